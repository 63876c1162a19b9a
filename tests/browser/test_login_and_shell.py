"""The secretary's first minutes: a Danish login page, the keyboard shell, language, context."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from klinik.core.choices import Role
from klinik.core.models import Membership, Unit, User
from klinik.core.tests.factories import MembershipFactory
from klinik.demo.clinic import DEMO_PASSWORD

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]

DASHBOARD = re.compile(r"/dashboard/$")
LOGIN = re.compile(r"/login/$")


def test_login_is_danish_and_works_with_the_keyboard_alone(page: Page) -> None:
    # The browser asks for English (see conftest); Klinik answers in Danish all the same.
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    # Django may add its label suffix (":") after the label text.
    expect(page.locator("label[for=id_username]")).to_have_text(re.compile(r"^Brugernavn:?$"))
    expect(page.locator("label[for=id_password]")).to_have_text(re.compile(r"^Adgangskode:?$"))
    expect(page.get_by_role("button", name="Log ind")).to_be_visible()

    # A wrong password: the Danish error at the form, still on the login page.
    page.locator("#id_username").fill("sekretaer")
    page.locator("#id_password").fill("forkert-kodeord")
    with page.expect_response(LOGIN) as response:
        page.locator("#id_password").press("Enter")
    assert response.value.status == 400
    expect(page.locator("form .form-errors[role=alert]")).to_have_text(
        "Forkert brugernavn eller adgangskode, eller kontoen er låst et stykke tid efter for "
        "mange forkerte forsøg."
    )
    expect(page).to_have_url(LOGIN)
    expect(page.locator("#id_password")).to_have_value("")

    # Keyboard only: the username field has the focus, Tab reaches the password, Enter submits.
    page.goto("/login/")
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type("sekretaer")
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(DASHBOARD)
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page).to_have_title("Overblik · Klinik")
    # Role and organisation of the acting context.
    expect(page.locator("main .lead")).to_have_text(
        "Lægesekretær · Lægehuset Åboulevarden · Lægehuset"
    )
    expect(page.locator("nav.mainnav a[aria-current=page]")).to_have_text("Overblik")


def test_too_many_failed_logins_from_one_computer_get_a_calm_danish_answer(
    page: Page, settings
) -> None:
    settings.KLINIK_LOGIN_RATE_LIMIT = 2
    page.goto("/login/")
    for username in ("sekretaer", "findes-ikke", "laege"):
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill("forkert-kodeord")
        with page.expect_response(LOGIN) as response:
            page.locator("#id_password").press("Enter")
    assert response.value.status == 429
    expect(page.locator("form .form-errors[role=alert]")).to_have_text(
        "For mange forsøg fra denne computer. Vent 15 minutter, og prøv igen."
    )
    # The form is still there; the right password waits for the window to pass.
    page.locator("#id_password").fill(DEMO_PASSWORD)
    with page.expect_response(LOGIN) as response:
        page.locator("#id_password").press("Enter")
    assert response.value.status == 429
    expect(page).to_have_url(LOGIN)


def test_keyboard_shell_opens_help_and_jumps_to_search(page: Page) -> None:
    log_in(page, "sekretaer")
    dialog = page.locator("#shortcuts-dialog")
    search = page.locator("#global-search")
    expect(dialog).to_be_hidden()

    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text("Tastaturgenveje")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("/")
    expect(search).to_be_focused()
    # "/" moved the focus and typed nothing into the box.
    expect(search).to_have_value("")
    # Escape leaves the field, so the next shortcut is a shortcut again, not text.
    page.keyboard.press("Escape")
    expect(search).not_to_be_focused()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    # The accesskeys with this platform's modifier (Chromium on Linux: Alt), and g k, g r.
    expect(dialog.locator("tr.accesskey [data-accesskey-modifier]").first).to_have_text("Alt")
    expect(dialog).to_contain_text("Gå til receptionen")
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(r"/calendar/$"))
    page.wait_for_load_state("load")
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("r")
    expect(page).to_have_url(re.compile(r"/reception/"))

    # Every access key of a page is in the dialog: the DRG page's own "import" under
    # "På denne side".
    page.goto("/reports/drg/")
    page.wait_for_load_state("load")
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    on_page, listed = page.evaluate(
        """() => [
          [...document.querySelectorAll("[accesskey]")].filter(e => !e.closest("dialog"))
            .map(e => e.getAttribute("accesskey").toUpperCase()),
          [...document.querySelectorAll("dialog tr.accesskey kbd:last-child")]
            .map(k => k.textContent.trim().toUpperCase()),
        ]"""
    )
    assert "I" in on_page and set(on_page) <= set(listed), (on_page, listed)
    expect(dialog.locator("[data-page-accesskeys]")).to_contain_text("Importér DRG-fil")


def test_footer_language_switch_changes_to_english_and_back(page: Page) -> None:
    log_in(page, "sekretaer")
    main_menu = page.locator("nav.mainnav")
    language = page.locator("select#lang-select")
    expect(language).to_have_value("da")

    language.select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(DASHBOARD)
    expect(main_menu.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(page.locator("label[for=lang-select]")).to_have_text("Language")
    expect(page.locator("main .lead")).to_contain_text("Medical secretary")
    # The choice sticks on the next page.
    page.goto("/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("select#lang-select").select_option("da")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page).to_have_url(DASHBOARD)
    expect(main_menu.get_by_role("link", name="Overblik")).to_be_visible()
    expect(page.locator("label[for=lang-select]")).to_have_text("Sprog")


def test_context_switcher_changes_the_organisation_acted_for(page: Page) -> None:
    # The secretary also works in the hospital's cardiology outpatient clinic.
    sekretaer = User.objects.get(username="sekretaer")
    cardiology = Unit.objects.get(
        organisation__slug="medicinsk-ambulatorium", name="Kardiologisk ambulatorium"
    )
    hospital_role = MembershipFactory(user=sekretaer, unit=cardiology, role=Role.SECRETARY)
    practice_role = Membership.objects.get(user=sekretaer, organisation__slug="laegehuset")

    log_in(page, "sekretaer")
    lead = page.locator("main .lead")
    switcher = page.locator("select#context-select")
    # The switcher lists both roles; the first in order is the one acted for.
    expect(switcher.locator("option")).to_have_count(2)
    expect(lead).to_contain_text("Lægehuset Åboulevarden · Lægehuset")
    expect(switcher).to_have_value(str(practice_role.public_id))

    switcher.select_option(str(hospital_role.public_id))
    expect(lead).to_contain_text(
        "Medicinsk Ambulatorium, Regionshospital Nord · Kardiologisk ambulatorium"
    )
    expect(lead).not_to_contain_text("Lægehuset Åboulevarden")
    expect(page).to_have_url(DASHBOARD)
    expect(switcher).to_have_value(str(hospital_role.public_id))

    # The choice holds for the rest of the session, and switching back works the same way.
    page.goto("/dashboard/")
    expect(lead).to_contain_text("Kardiologisk ambulatorium")
    page.locator("select#context-select").select_option(str(practice_role.public_id))
    expect(lead).to_contain_text("Lægehuset Åboulevarden · Lægehuset")
