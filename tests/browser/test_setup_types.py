"""The manager sets up an appointment type: from the setup page to a new type needing a room
and a practitioner; one needing equipment the unit lacks is refused at the field, in Danish,
and nothing is saved."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.scheduling.choices import ResourceKind
from klinik.scheduling.errors import AppointmentTypeInvalid
from klinik.scheduling.models import AppointmentType

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("demo")]


def test_manager_adds_a_type_needing_a_room_and_a_practitioner(page: Page) -> None:
    log_in(page, "klinikchef")
    page.goto("/setup/")
    page.locator("#setup-sections a[data-section='setup_types']").click()
    expect(page).to_have_url(re.compile(r"/types/$"))
    page.locator("#type-add").click()
    expect(page).to_have_url(re.compile(r"/types/add/\?unit="))

    # Equipment the unit does not have: the message sits at that field, nothing is saved.
    page.locator("#id_name").fill("Sårskift")
    page.locator("#id_duration_minutes").fill("20")
    page.locator("#id_buffer_minutes").fill("5")
    page.locator("#id_need_practitioner").check()
    page.locator("#id_need_equipment").check()
    with page.expect_response(re.compile(r"/types/add/")) as response:
        page.locator("#type-form button[type=submit]").click()
    assert response.value.status == 400
    need_equipment = page.locator("#id_need_equipment")
    expect(need_equipment).to_have_attribute("aria-invalid", "true")
    with translation.override("da"):
        kind = str(ResourceKind.EQUIPMENT.label).lower()
        expected = str(AppointmentTypeInvalid.RESOURCE_MISSING) % {
            "unit": "Lægehuset",
            "kind": kind,
        }
    expect(page.locator("#id_need_equipment_error")).to_contain_text(expected)
    assert not AppointmentType.objects.filter(name="Sårskift").exists()

    # Without equipment, with a room from a pool of one: saved and listed.
    need_equipment.uncheck()
    page.locator("#id_need_room").check()
    first_room = page.locator("input[name='allowed_room']").first
    first_room.check()
    page.locator("#type-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/types/\?unit="))
    created = AppointmentType.objects.get(name="Sårskift")
    row = page.locator(f"#type-{created.public_id}")
    expect(row).to_be_visible()
    kinds = {q.kind: q.allowed.count() for q in created.requirements.all()}
    assert kinds == {ResourceKind.PRACTITIONER: 0, ResourceKind.ROOM: 1}
    assert AccessLogEntry.objects.filter(
        action=Action.SETUP_CHANGE, object_id=str(created.public_id)
    ).exists()
