"""The contact's LPR3 fields and stays (issue 18): defaults, the value lists, the periods, the
access log, and the coding screen's forms (404 across organisations)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.errors import DomainError
from klinik.records.choices import ContactKind
from klinik.records.clinical.lpr import contact_lpr_update, contact_stay_add
from klinik.records.models import Contact, ContactStay
from klinik.records.tests.factories import contact_start


@pytest.fixture
def visit(record_world):
    return contact_start(
        record_world.secretary_actor, record_world.patient, kind=ContactKind.PHYSICAL
    )


def test_defaults_physical_unbooked_is_fremmoede_and_acute(record_world, visit):
    assert (visit.lpr_contact_type, visit.lpr_contact_priority) == ("ALCA00", "ATA1")
    phone = contact_start(record_world.secretary_actor, record_world.patient)
    assert phone.lpr_contact_type == "ALCA03"


def test_lpr_fields_are_checked_against_their_lists_and_logged(record_world, visit):
    before = AccessLogEntry.objects.count()
    saved = contact_lpr_update(
        actor=record_world.secretary_actor,
        contact=visit,
        lpr_type="",
        priority="ata3",
        reason="ALCC02",
    )
    assert (saved.lpr_type, saved.lpr_priority, saved.lpr_reason) == ("", "ATA3", "ALCC02")
    assert saved.lpr_contact_priority == "ATA3"
    assert AccessLogEntry.objects.count() == before + 1
    with pytest.raises(DomainError) as refused:
        contact_lpr_update(
            actor=record_world.secretary_actor,
            contact=visit,
            lpr_type="ALAL01",
            priority="",
            reason="",
        )
    assert refused.value.field == "lpr_type"
    visit.refresh_from_db()
    assert visit.lpr_reason == "ALCC02"  # nothing half-written


def test_stay_must_lie_in_the_contact_and_the_clinic(record_world, visit):
    actor = record_world.secretary_actor
    stay = contact_stay_add(
        actor=actor,
        contact=visit,
        unit=record_world.unit2,
        started_at=visit.started_at,
        ended_at=None,
    )
    assert stay.unit == record_world.unit2
    with pytest.raises(DomainError) as early:
        contact_stay_add(
            actor=actor,
            contact=visit,
            unit=record_world.unit,
            started_at=visit.started_at - timedelta(hours=1),
            ended_at=None,
        )
    assert early.value.field == "started_at"
    with pytest.raises(DomainError) as foreign:
        contact_stay_add(
            actor=actor,
            contact=visit,
            unit=record_world.world.unit_b,
            started_at=visit.started_at,
            ended_at=None,
        )
    assert foreign.value.field == "unit"
    assert ContactStay.objects.count() == 1


def test_coding_screen_saves_lpr_fields_and_refuses_other_organisations(
    login_as, record_world, visit
):
    url = f"/record/coding/contacts/{visit.public_id}/lpr/"
    client = login_as(record_world.secretary)
    page = client.get(f"/patients/{record_world.patient.public_id}/record/coding/").content.decode()
    assert f'id="lpr-{visit.public_id}"' in page
    response = client.post(url, {"lpr_type": "ALCA03", "priority": "", "reason": "ALCC01"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.lpr_type, visit.lpr_reason) == ("ALCA03", "ALCC01")
    refused = client.post(url, {"lpr_type": "ALCA99", "priority": "", "reason": ""})
    assert refused.status_code == 422
    client.logout()
    other = login_as(record_world.other_doctor)
    assert other.post(url, {"lpr_type": "", "priority": "ATA3", "reason": ""}).status_code == 404
    assert Contact.objects.get(pk=visit.pk).lpr_priority == ""
