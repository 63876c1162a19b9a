""" "Hvem har set journalen": roles and what was seen in Danish, repeated views grouped by
person and day, filters by period and person, a PDF for the patient, and opening the report
logged as viewing it with the purpose chosen."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.patients.access import access_patient


@pytest.fixture
def accesses(world, actor_for, clock):
    """A nurse opened the patient three times yesterday and the protected address once; a
    doctor opened the patient a week ago."""
    nurse, doctor = world.member(Role.NURSE), world.member(Role.DOCTOR)
    now = clock.set(clock.now.replace(hour=10, minute=0))
    clock.set(now - timedelta(days=7))
    access_patient(actor=actor_for(doctor), public_id=world.patient_a.public_id, channel=Channel.UI)
    for minutes in (0, 5, 40):
        clock.set(now - timedelta(days=1, minutes=-minutes))
        access_patient(
            actor=actor_for(nurse), public_id=world.patient_a.public_id, channel=Channel.UI
        )
    access_patient(
        actor=actor_for(nurse),
        public_id=world.patient_a.public_id,
        channel=Channel.UI,
        object_type="protected_address",
    )
    clock.set(now)
    return nurse, doctor, now


def _report(client, world, **params):
    return client.get(f"/patients/{world.patient_a.public_id}/access-log/", params)


def _rows(response) -> list[str]:
    body = response.content.decode()
    table = body.split('id="access-report"', 1)[1].split("</table>", 1)[0]
    return table.split("<tr")[2:]


def test_repeated_views_are_one_line_with_a_count_and_say_who_and_what_in_danish(
    world, accesses, login_as, client
):
    nurse, doctor, _now = accesses
    login_as(world.member(Role.SECRETARY))
    rows = _rows(_report(client, world))
    nurse_rows = [r for r in rows if nurse.user.get_full_name() in r]
    assert len(nurse_rows) == 2  # the patient three times, the protected address once
    opened = next(r for r in nurse_rows if "Personoplysninger" in r)
    assert '<td class="count">3</td>' in opened and "Sygeplejerske" in opened
    assert any("Den beskyttede adresse" in r for r in nurse_rows)
    assert any(doctor.user.get_full_name() in r and "Læge" in r for r in rows)
    for code in ("nurse", "doctor", "protected_address"):
        assert f">{code}<" not in "".join(rows)


def test_the_report_filters_by_period_and_person(world, accesses, login_as, client):
    nurse, doctor, now = accesses
    login_as(world.member(Role.SECRETARY))
    yesterday = (now - timedelta(days=1)).strftime("%d.%m.%Y")
    rows = _rows(_report(client, world, since=yesterday, until=yesterday))
    assert rows and all(doctor.user.get_full_name() not in r for r in rows)
    rows = _rows(_report(client, world, person=doctor.user_id))
    assert rows and all(nurse.user.get_full_name() not in r for r in rows)
    refused = _report(client, world, since="31.12.2026", until="01.01.2026")
    assert refused.status_code == 422
    assert "Slutdatoen ligger før startdatoen." in refused.content.decode()


def test_opening_the_report_is_logged_as_a_view_with_the_purpose_chosen(
    world, accesses, login_as, client
):
    login_as(world.member(Role.SECRETARY))
    assert _report(client, world, purpose=Purpose.QUALITY).status_code == 200
    entry = AccessLogEntry.objects.filter(object_type="access_report").get()
    assert (entry.action, entry.purpose) == (Action.VIEW, Purpose.QUALITY)


def test_the_pdf_for_the_patient_is_in_danish_and_logged_as_a_print(
    world, accesses, login_as, client
):
    login_as(world.member(Role.SECRETARY))
    response = _report(client, world, format="pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())  # cells wrap
    assert "Hvem har set journalen" in text and world.patient_a.cpr_display in text
    assert "Sygeplejerske" in text and "Den beskyttede adresse" in text
    entry = AccessLogEntry.objects.filter(object_type="access_report").get()
    assert (entry.action, entry.purpose) == (Action.PRINT, Purpose.PATIENT_REQUEST)
