"""The manager's message texts: a unit's own text is used for its appointments unless the type
has its own; unknown placeholders and texts too long for an SMS are refused at the field with
nothing saved; the preview fills an example appointment; every change is in the setup log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.errors import SetupCode
from klinik.correspondence.errors import TemplateInvalid
from klinik.correspondence.models import MessageTemplate
from klinik.correspondence.setup.services import (
    SMS_MAX_CHARS,
    template_preview,
    template_remove,
    template_save,
)
from klinik.correspondence.tests.helpers import pending, reachable_by
from klinik.scheduling.tests.factories import at, next_workday

UNIT_TEXT = "Velkommen til {unit}: {type} {when}. Aflys: {link}"


@pytest.fixture
def manager(world, actor_for):
    return actor_for(world.member(Role.MANAGER))


def _entries() -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(action=Action.SETUP_CHANGE).order_by("seq"))


def test_a_units_text_is_used_unless_the_type_has_its_own(desk, world, manager, clock) -> None:
    template_save(
        actor=manager,
        unit=world.unit_a,
        appointment_type=None,
        kind="confirmation",
        subject="",
        body=UNIT_TEXT,
    )
    template_save(
        actor=manager,
        unit=world.unit_a,
        appointment_type=desk.clinic.phone,
        kind="confirmation",
        subject="Din telefontid",
        body="Vi ringer {when}.",
    )
    alma = reachable_by(world.patient_a, sms=True)
    day = next_workday(days_ahead=10)
    clock.set(at(day - timedelta(days=3), 10))
    consultation = desk.book(alma, at(day, 9))
    assert pending(consultation, "confirmation").body.startswith(
        "Velkommen til Klinik A: Konsultation "
    )
    phone = desk.book(alma, at(day, 11), kind=desk.clinic.phone)
    assert pending(phone, "confirmation").body.startswith("Vi ringer ")
    # The reminder has no own text: the default.
    assert not pending(consultation, "reminder").body.startswith("Velkommen")
    reasons = [e.reason for e in _entries()]
    assert len(reasons) == 2 and reasons[0].startswith("created: body: Velkommen til {unit}")


def test_unknown_placeholders_and_too_long_texts_are_refused_and_nothing_saved(
    world, manager
) -> None:
    with pytest.raises(TemplateInvalid) as caught:
        template_save(
            actor=manager,
            unit=world.unit_a,
            appointment_type=None,
            kind="reminder",
            subject="{navn}",
            body="Hej {patient}, husk {when}",
        )
    assert caught.value.code == SetupCode.UNKNOWN_PLACEHOLDER
    errors = caught.value.field_errors()
    assert set(errors) == {"subject", "body"}
    assert "{patient}" in errors["body"][0]
    with pytest.raises(TemplateInvalid) as caught:
        template_save(
            actor=manager,
            unit=world.unit_a,
            appointment_type=None,
            kind="reminder",
            subject="",
            body="Husk {when}. " + "x" * SMS_MAX_CHARS,
        )
    assert caught.value.code == SetupCode.TOO_LONG_FOR_SMS
    assert not MessageTemplate.objects.exists()
    assert _entries() == []


def test_removing_a_text_brings_the_default_back_and_is_logged(world, manager) -> None:
    template_save(
        actor=manager,
        unit=world.unit_a,
        appointment_type=None,
        kind="cancelled",
        subject="",
        body="Aflyst: {when}",
    )
    template_remove(actor=manager, unit=world.unit_a, appointment_type=None, kind="cancelled")
    assert not MessageTemplate.objects.exists()
    assert _entries()[-1].reason == "deleted: body: Aflyst: {when} → —"


def test_the_preview_fills_an_example_appointment(world, desk) -> None:
    desk.clinic.consultation.preparation_text = "Mød fastende."
    preview = template_preview(
        unit=world.unit_a,
        appointment_type=desk.clinic.consultation,
        kind="reminder",
        subject="Husk {type}",
        body="{type} hos {unit} {when}. {preparation} {link}",
    )
    assert preview.subject == "Husk Konsultation"
    assert preview.body.startswith("Konsultation hos Klinik A ")
    assert "Mød fastende." in preview.body
    assert "/book/manage/" in preview.body
    assert preview.length == len(preview.body) and not preview.is_too_long_for_sms


def test_template_screens(world, desk, login_as) -> None:
    client = login_as(world.member(Role.MANAGER))
    response = client.get("/setup/templates/")
    assert response.status_code == 200
    assert b'id="template-confirmation"' in response.content
    url = f"/setup/templates/edit/?kind=reminder&unit={world.unit_a.public_id}"
    response = client.get(url)
    assert response.status_code == 200
    assert b'id="template-preview"' in response.content
    response = client.post(url, {"action": "preview", "subject": "", "body": "Husk {type}"})
    assert response.status_code == 200
    assert "Husk Holdtræning".encode() in response.content  # the unit's first type
    assert not MessageTemplate.objects.exists()
    response = client.post(url, {"action": "save", "subject": "", "body": "Husk {patient}"})
    assert response.status_code == 400
    assert b'id="id_body_error"' in response.content
    assert not MessageTemplate.objects.exists()
    response = client.post(url, {"action": "save", "subject": "", "body": "Husk {when}"})
    assert response.status_code == 302
    assert MessageTemplate.objects.get().unit_id == world.unit_a.pk
    # Another organisation's unit or type: not found, and nothing written there.
    assert client.get(f"/setup/templates/?unit={world.unit_b.public_id}").status_code == 404
    foreign = f"/setup/templates/edit/?kind=reminder&unit={world.unit_b.public_id}"
    assert client.post(foreign, {"action": "save", "body": "Hej"}).status_code == 404
    assert MessageTemplate.objects.count() == 1
    client.logout()
    assert login_as(world.member(Role.SECRETARY)).get("/setup/templates/").status_code == 403
