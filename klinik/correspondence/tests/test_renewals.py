"""Prescription renewals (issue 15 item 5): registered by phone, prepared by a secretary,
approved by a doctor (FMK's local backend holds what was sent, the record and the patient are
told); never completed by anyone else — the policy holds the permission for doctors alone, and
the services, screens and API refuse everyone else with nothing changed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.policy import COMMUNITY_PERMISSIONS, ROLE_PERMISSIONS, Perm
from klinik.core.services import actor_from_membership
from klinik.correspondence.choices import MessageKind
from klinik.correspondence.models import OutboxMessage, Renewal
from klinik.correspondence.renewals.choices import RenewalSource, RenewalStatus
from klinik.correspondence.renewals.errors import RenewalCode, RenewalError
from klinik.correspondence.renewals.fmk import FmkBackend, FmkError, FmkRenewal
from klinik.correspondence.renewals.services import (
    renewal_approve,
    renewal_decline,
    renewal_prepare,
    renewal_register,
)
from klinik.records.models import JournalEntry
from klinik.records.tests.factories import record_world_create
from klinik.worklist.selectors import WorklistFilter, worklist_page

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


class RefusingFmk(FmkBackend):
    def renew(self, renewal: FmkRenewal) -> str:
        raise FmkError("service unavailable")


@pytest.fixture
def rw(world, clock, settings, tmp_path):
    clock.set(NOW)
    settings.FMK_OUTBOX_DIR = str(tmp_path / "fmk")
    return record_world_create(world)


@pytest.fixture
def secretary(rw):
    return actor_from_membership(rw.secretary)


@pytest.fixture
def doctor(rw):
    return actor_from_membership(rw.doctor)


def _prepared(rw, secretary):
    renewal = renewal_register(actor=secretary, patient=rw.patient, medication="Furix")
    return renewal_prepare(
        actor=secretary,
        renewal=renewal,
        medication="Furix 40 mg",
        dose="1 tablet morgen",
        pharmacy="Svane Apotek",
        last_renewed_on=date(2025, 12, 1),
        doctor=rw.doctor.user,
    )


def _queue(actor, **filters):
    page = worklist_page(actor=actor, chosen=WorklistFilter(kind="renewal", **filters))
    return [(row.item.id, row.item.title) for row in page.rows]


def test_only_doctors_hold_the_permission_to_renew_and_never_through_a_community():
    holders = {role for role, perms in ROLE_PERMISSIONS.items() if Perm.PRESCRIPTION_RENEW in perms}
    assert holders == {Role.DOCTOR}
    assert Perm.PRESCRIPTION_RENEW not in COMMUNITY_PERMISSIONS


def test_a_phone_request_is_prepared_and_approved_and_fmk_the_record_and_the_patient_know(
    rw, secretary, doctor, tmp_path
):
    rw.patient.phone, rw.patient.consent_sms = "12345678", True
    rw.patient.save()
    renewal = renewal_register(
        actor=secretary, patient=rw.patient, request_text="Min vanddrivende er ved at slippe op"
    )
    assert renewal.status == RenewalStatus.REQUESTED
    assert renewal.source == RenewalSource.PHONE
    assert _queue(secretary, unassigned_only=True) == [
        (str(renewal.public_id), "Recept at forberede")
    ]

    [row] = worklist_page(actor=secretary, chosen=WorklistFilter(kind="renewal")).rows
    assert (row.item.due, row.is_overdue) == (NOW + timedelta(days=2), False)

    prepared = _prepared_from(renewal, rw, secretary)
    assert prepared.status == RenewalStatus.PREPARED
    assert _queue(doctor, assignee_id=rw.doctor.user.pk) == [
        (str(renewal.public_id), "Recept at godkende")
    ]
    assert _queue(secretary, unassigned_only=True) == []

    approved = renewal_approve(actor=doctor, renewal=prepared)
    assert approved.status == RenewalStatus.APPROVED
    assert approved.decided_by == rw.doctor.user
    sent = json.loads((tmp_path / "fmk" / f"{renewal.public_id}.json").read_text())
    assert sent["patient_cpr"] == rw.patient.cpr
    assert (sent["medication"], sent["dose"], sent["pharmacy"]) == (
        "Furix 40 mg",
        "1 tablet morgen",
        "Svane Apotek",
    )
    assert sent["prescriber_username"] == rw.doctor.user.username
    assert approved.fmk_reference == f"local:{renewal.public_id}"
    entry = JournalEntry.objects.get(patient=rw.patient, title="Receptfornyelse")
    assert "Furix 40 mg" in entry.text and entry.author == rw.doctor.user
    notice = OutboxMessage.objects.get(patient=rw.patient, kind=MessageKind.RENEWAL_APPROVED)
    assert notice.channel == "sms"
    assert "Furix" not in notice.body, "no medication in an SMS"
    assert _queue(doctor) == []
    assert AccessLogEntry.objects.filter(
        object_type="renewal", object_id=str(renewal.public_id), reason="approved"
    ).exists()


def _prepared_from(renewal, rw, secretary):
    return renewal_prepare(
        actor=secretary,
        renewal=renewal,
        medication="Furix 40 mg",
        dose="1 tablet morgen",
        pharmacy="Svane Apotek",
        last_renewed_on=date(2025, 12, 1),
        doctor=rw.doctor.user,
    )


@pytest.mark.parametrize("role", ["secretary", "nurse"])
def test_nobody_but_a_doctor_can_approve_or_decline_and_nothing_changes(
    rw, secretary, role, tmp_path
):
    renewal = _prepared(rw, secretary)
    actor = actor_from_membership(getattr(rw, role))
    entries = JournalEntry.objects.count()
    for decide in (
        lambda: renewal_approve(actor=actor, renewal=renewal),
        lambda: renewal_decline(actor=actor, renewal=renewal, note="Nej"),
    ):
        with pytest.raises(PermissionDenied):
            decide()
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.PREPARED and renewal.decided_by is None
    assert JournalEntry.objects.count() == entries
    assert not (tmp_path / "fmk").exists()


def test_approval_needs_preparation_and_a_doctor_to_decide(rw, secretary, doctor):
    renewal = renewal_register(actor=secretary, patient=rw.patient, medication="Furix")
    with pytest.raises(RenewalError) as refused:
        renewal_approve(actor=doctor, renewal=renewal)
    assert refused.value.code == RenewalCode.NOT_PREPARED
    with pytest.raises(RenewalError) as refused:
        renewal_prepare(
            actor=secretary,
            renewal=renewal,
            medication="Furix",
            dose="1x1",
            pharmacy="",
            last_renewed_on=None,
            doctor=rw.nurse.user,
        )
    assert (refused.value.code, refused.value.field) == (RenewalCode.NOT_A_DOCTOR, "doctor")
    with pytest.raises(RenewalError) as refused:
        renewal_prepare(
            actor=secretary,
            renewal=renewal,
            medication="Furix",
            dose="",
            pharmacy="",
            last_renewed_on=None,
            doctor=rw.doctor.user,
        )
    assert refused.value.field == "dose"
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.REQUESTED


def test_a_decline_needs_a_reason_and_tells_the_patient(rw, secretary, doctor):
    renewal = _prepared(rw, secretary)
    with pytest.raises(RenewalError) as refused:
        renewal_decline(actor=doctor, renewal=renewal, note=" ")
    assert refused.value.field == "decision_note"
    declined = renewal_decline(actor=doctor, renewal=renewal, note="Kontrol af blodprøver først")
    assert declined.status == RenewalStatus.DECLINED
    assert OutboxMessage.objects.filter(kind=MessageKind.RENEWAL_DECLINED).count() == 1
    assert "Kontrol af blodprøver" in JournalEntry.objects.get(title="Receptfornyelse").text
    with pytest.raises(RenewalError) as refused:
        renewal_approve(actor=doctor, renewal=declined)
    assert refused.value.code == RenewalCode.NOT_OPEN


def test_fmk_refusing_leaves_the_renewal_prepared_with_nothing_written(
    rw, secretary, doctor, settings
):
    renewal = _prepared(rw, secretary)
    settings.KLINIK_FMK_BACKEND = f"{__name__}.RefusingFmk"
    entries, notices = JournalEntry.objects.count(), OutboxMessage.objects.count()
    with pytest.raises(RenewalError) as refused:
        renewal_approve(actor=doctor, renewal=renewal)
    assert refused.value.code == RenewalCode.FMK_FAILED
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.PREPARED
    assert (JournalEntry.objects.count(), OutboxMessage.objects.count()) == (entries, notices)


# Screens -----------------------------------------------------------------------------------


def test_the_screens_take_a_phone_request_prepare_it_and_let_the_doctor_approve(
    rw, client, login_as, tmp_path
):
    secretary = login_as(rw.secretary)
    response = secretary.post(
        f"/recepter/patient/{rw.patient.public_id}/", {"medication": "Furix", "request_text": ""}
    )
    renewal = Renewal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/recepter/{renewal.public_id}/"
    response = secretary.post(
        f"/recepter/{renewal.public_id}/",
        {
            "medication": "Furix 40 mg",
            "dose": "1 morgen",
            "pharmacy": "",
            "last_renewed_on": "01.12.2025",
            "doctor": str(rw.doctor.user.pk),
            "note": "",
        },
    )
    assert response.status_code == 302
    refused = secretary.post(f"/recepter/{renewal.public_id}/decide/", {"approve": "1"})
    assert refused.status_code == 403
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.PREPARED
    assert renewal.last_renewed_on == date(2025, 12, 1)
    client.logout()
    doctor = login_as(rw.doctor)
    page = doctor.get(f"/recepter/{renewal.public_id}/").content.decode()
    assert 'id="renewal-approve"' in page
    doctor.post(f"/recepter/{renewal.public_id}/decide/", {"approve": "1", "note": ""})
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.APPROVED


def test_a_field_error_is_shown_at_the_field(rw, login_as):
    secretary = login_as(rw.secretary)
    renewal = renewal_register(
        actor=actor_from_membership(rw.secretary), patient=rw.patient, medication="Furix"
    )
    response = secretary.post(
        f"/recepter/{renewal.public_id}/",
        {
            "medication": "Furix",
            "dose": "1",
            "last_renewed_on": "01.12.2099",
            "doctor": str(rw.doctor.user.pk),
        },
    )
    assert response.status_code == 422
    assert "Datoen kan ikke ligge i fremtiden." in response.content.decode()


def test_another_organisations_renewal_is_404_and_unchanged(rw, secretary, login_as):
    renewal = _prepared(rw, secretary)
    other = login_as(rw.other_doctor)
    before = AccessLogEntry.objects.filter(patient_id=rw.patient.public_id).count()
    missing = other.get("/recepter/00000000-0000-4000-8000-000000000000/")
    foreign = other.get(f"/recepter/{renewal.public_id}/")
    assert foreign.status_code == missing.status_code == 404
    assert rw.patient.name not in foreign.content.decode()
    decided = other.post(f"/recepter/{renewal.public_id}/decide/", {"approve": "1"})
    assert decided.status_code == 404
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.PREPARED
    assert AccessLogEntry.objects.filter(patient_id=rw.patient.public_id).count() == before
    assert rw.patient.name not in other.get("/recepter/").content.decode()


# API -----------------------------------------------------------------------------------------


def test_the_api_lists_creates_and_approves_and_refuses_a_secretarys_approval(rw, client):
    from klinik.api.tests.helpers import ApiClient

    secretary = ApiClient(client, rw.secretary)
    created = secretary.post(
        "/renewals", {"patient": str(rw.patient.public_id), "medication": "Furix"}
    )
    assert created.status_code == 201, created.content
    renewal_id = created.json()["id"]
    assert created.json()["status"] == "requested"
    empty = secretary.post("/renewals", {"patient": str(rw.patient.public_id)})
    assert (empty.status_code, empty.json()["code"]) == (422, "required")
    prepared = secretary.post(
        f"/renewals/{renewal_id}/prepare",
        {"medication": "Furix 40 mg", "dose": "1x1", "doctor": rw.doctor.user.username},
    )
    assert prepared.json()["status"] == "prepared"
    refused = secretary.post(f"/renewals/{renewal_id}/approve", {})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    listed = ApiClient(client, rw.doctor).get("/renewals")
    assert [r["id"] for r in listed.json()] == [renewal_id]
    approved = ApiClient(client, rw.doctor).post(f"/renewals/{renewal_id}/approve", {})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == (
        "approved",
        rw.doctor.user.username,
    )
    again = ApiClient(client, rw.doctor).post(f"/renewals/{renewal_id}/approve", {})
    assert (again.status_code, again.json()["code"]) == (409, "not_open")
