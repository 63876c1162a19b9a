"""The manager's staff screen: add a person, change their role, deactivate them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.models import Membership, User

from .helpers import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

STAFF = re.compile(r"/staff/$")
NEW_PASSWORD = "Solsikke-Bakke-Vandring-7"


def test_manager_adds_changes_and_deactivates_a_staff_member(page: Page) -> None:
    log_in(page, "klinikchef")
    page.locator("nav.mainnav a[href='/staff/']").click()
    expect(page).to_have_url(STAFF)
    expect(page.locator("main h1")).to_contain_text("Personale")
    expect(page.locator("main h1")).to_contain_text("Lægehuset Åboulevarden")
    expect(page.locator("#member-sekretaer")).to_be_visible()
    expect(page.locator("#member-jonna")).to_have_count(0)

    page.locator("main a[href='/staff/add/']").click()
    expect(page).to_have_url(re.compile(r"/staff/add/$"))
    expect(page.locator("main h1")).to_have_text("Tilføj medarbejder")
    page.locator("#id_first_name").fill("Jonna")
    page.locator("#id_last_name").fill("Vestergaard")
    page.locator("#id_username").fill("jonna")
    page.locator("#id_email").fill("jonna@example.org")
    page.locator("#id_role").select_option(Role.SECRETARY.value)
    page.locator("#id_unit").select_option(label="Lægehuset")

    # Too short a password: the error sits at the password field and nothing is saved.
    page.locator("#id_password").fill("kort")
    with page.expect_response(re.compile(r"/staff/add/$")) as response:
        page.locator("main form button[type=submit]").click()
    assert response.value.status == 400
    password = page.locator("#id_password")
    expect(password).to_have_attribute("aria-invalid", "true")
    error_id = password.get_attribute("aria-describedby") or ""
    assert "id_password_error" in error_id.split()
    # Django's own Danish message for its minimum-length validator.
    expect(page.locator("#id_password_error")).to_contain_text("Denne adgangskode er for kort")
    expect(page.locator("#id_first_name")).not_to_have_attribute("aria-invalid", "true")
    assert not User.objects.filter(username="jonna").exists()

    # The rest of the form kept its values; a good password saves the person.
    expect(page.locator("#id_username")).to_have_value("jonna")
    expect(password).to_have_value("")
    password.fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(STAFF)
    expect(page.locator("ul.messages")).to_contain_text("jonna")
    row = page.locator("#member-jonna")
    expect(row).to_contain_text("Jonna Vestergaard")
    expect(row.locator("select[name=role]")).to_have_value(Role.SECRETARY.value)
    membership = Membership.objects.get(user__username="jonna")
    assert membership.organisation.slug == "laegehuset"
    assert membership.is_active

    # Change the role.
    row.locator("select[name=role]").select_option(Role.NURSE.value)
    row.locator("form[action$='/role/'] button[type=submit]").click()
    expect(page).to_have_url(STAFF)
    expect(row.locator("select[name=role]")).to_have_value(Role.NURSE.value)
    membership.refresh_from_db()
    assert membership.role == Role.NURSE

    # Deactivate: the row stays, marked inactive, with a way back.
    row.locator("button[name=active][value='0']").click()
    expect(page).to_have_url(STAFF)
    expect(row).to_have_class(re.compile(r"\binactive\b"))
    expect(row.locator("button[name=active][value='1']")).to_be_visible()
    expect(row.locator("select[name=role]")).to_have_count(0)
    expect(row).to_contain_text("Deaktiveret")

    # The deactivated person cannot log in, and is told why.
    log_out(page)
    page.locator("#id_username").fill("jonna")
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.locator("form .form-errors[role=alert]")).to_have_text(
        "Kontoen er deaktiveret. Kontakt din leder."
    )
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("header.topbar")).to_have_count(0)

    # History is kept: the user and the membership rows remain, with the changes logged.
    user = User.objects.get(username="jonna")
    assert not user.is_active
    membership.refresh_from_db()
    assert not membership.is_active
    assert membership.deactivated_at is not None
    assert membership.role == Role.NURSE
    changes = AccessLogEntry.objects.filter(
        action=Action.STAFF_CHANGE, object_id=str(membership.public_id)
    ).order_by("seq")
    assert [entry.reason for entry in changes] == [
        "added",
        "role secretary -> nurse",
        "deactivated",
    ]
    assert {entry.username for entry in changes} == {"klinikchef"}
