"""The journal over REST: the contract's status codes, bodies and access-log entries."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.core.api_tokens import api_token_create
from klinik.records.models import JournalEntry, JournalSignature
from klinik.records.tests.factories import contact_start, entry_correct, entry_write


class Api:
    def __init__(self, client, membership) -> None:
        _, token = api_token_create(user=membership.user, organisation=membership.organisation)
        self.client = client
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def post(self, path: str, data: dict | None = None):
        return self.client.post(
            f"/api/v1{path}", data or {}, content_type="application/json", **self.auth
        )

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, **self.auth)

    def send(self, method: str, path: str, data: dict | None = None):
        return getattr(self.client, method)(
            f"/api/v1{path}", data or {}, content_type="application/json", **self.auth
        )


@pytest.fixture
def api(client):
    return lambda membership: Api(client, membership)


def _journal(patient) -> str:
    return f"/patients/{patient.public_id}/journal"


def _log_count(**filters) -> int:
    return AccessLogEntry.objects.filter(**filters).count()


# Writing -----------------------------------------------------------------------------------------


def test_doctor_writes_a_note_signed_at_once(record_world, api):
    rw = record_world
    before = _log_count(user=rw.doctor.user, patient_id=rw.patient.public_id)

    response = api(rw.doctor).post(
        _journal(rw.patient), {"type": "note", "text": "  S: hoste i 3 uger\r\nO: upåfaldende "}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "note"
    assert body["text"] == "S: hoste i 3 uger\nO: upåfaldende"
    assert body["author"] == {"id": str(rw.doctor.user.public_id), "name": "Dorthe Lægesen"}
    assert body["version"] == 1
    assert body["supersedes"] is None
    assert body["signed"] is True
    assert body["signed_by"]["id"] == str(rw.doctor.user.public_id)
    assert body["signed_at"]
    assert body["needs_signature"] is False
    assert body["correction_reason"] == ""
    assert {"recorded_at", "occurred_at"} <= set(body)
    entry = JournalEntry.objects.get(public_id=body["id"])
    assert entry.patient == rw.patient
    assert _log_count(user=rw.doctor.user, patient_id=rw.patient.public_id) > before
    assert _log_count(user=rw.doctor.user, action="create", channel="api") == 1


def test_secretarys_entry_waits_for_the_responsible_doctor(record_world, api):
    rw = record_world
    response = api(rw.secretary).post(
        _journal(rw.patient),
        {
            "type": "phone",
            "text": "Pt. ringer, ønsker svar på blodprøver",
            "responsible": str(rw.doctor.user.public_id),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["signed"] is False
    assert body["signed_by"] is None
    assert body["needs_signature"] is True
    assert body["responsible"]["id"] == str(rw.doctor.user.public_id)

    signed = api(rw.doctor).post(f"/journal/{body['id']}/sign")
    assert signed.status_code == 201, signed.content
    assert signed.json()["signed"] is True
    assert signed.json()["needs_signature"] is False
    assert signed.json()["signed_by"]["name"] == "Dorthe Lægesen"


def test_entry_on_a_contact_with_a_clinical_time(record_world, api):
    rw = record_world
    contact = contact_start(rw.doctor_actor, rw.patient)
    when = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    response = api(rw.nurse).post(
        _journal(rw.patient),
        {
            "type": "measurement",
            "text": "BT 128/82",
            "title": "Blodtryk",
            "contact": str(contact.public_id),
            "occurred_at": when.isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contact"] == str(contact.public_id)
    assert body["title"] == "Blodtryk"
    assert datetime.fromisoformat(body["occurred_at"]) == when
    # The contact's responsible doctor answers for the nurse's entry.
    assert body["responsible"]["id"] == str(rw.doctor.user.public_id)
    assert body["needs_signature"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "note", "text": "   "}, "text"),
        ({"type": "note"}, "text"),
        ({"type": "gossip", "text": "x"}, "type"),
        ({"text": "x"}, "type"),
        ({"type": "note", "text": "x", "contact": str(uuid.uuid4())}, "contact"),
        ({"type": "note", "text": "x", "responsible": str(uuid.uuid4())}, "responsible"),
        ({"type": "note", "text": "x", "occurred_at": "2999-01-01T10:00:00+01:00"}, "occurred_at"),
        ({"type": "note", "text": "x" * 100_001}, "text"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_saved(record_world, api, payload, field):
    rw = record_world
    response = api(rw.doctor).post(_journal(rw.patient), payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["field"] == field
    assert body["detail"].startswith(f"{field}: ")
    assert not JournalEntry.objects.exists()


def test_responsible_must_be_a_signer(record_world, api):
    rw = record_world
    response = api(rw.secretary).post(
        _journal(rw.patient),
        {"type": "note", "text": "x", "responsible": str(rw.nurse.user.public_id)},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "responsible"


def test_another_patients_contact_is_refused(record_world, api):
    rw = record_world
    other = contact_start(rw.other_doctor_actor, rw.other_patient)
    response = api(rw.doctor).post(
        _journal(rw.patient), {"type": "note", "text": "x", "contact": str(other.public_id)}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "contact"
    assert not JournalEntry.objects.exists()


def test_a_role_without_record_rights_is_403(record_world, api, world):
    from klinik.core.choices import Role

    receptionist = world.member(Role.HEALTH_SERVICE_SECRETARY)
    response = api(receptionist).post(_journal(record_world.patient), {"type": "note", "text": "x"})
    assert response.status_code == 403
    assert api(receptionist).get(_journal(record_world.patient)).status_code == 403
    assert not JournalEntry.objects.exists()


# Reading -----------------------------------------------------------------------------------------


def test_list_is_current_versions_newest_first_paged_and_logged(record_world, api):
    rw = record_world
    doctor = rw.doctor_actor
    first = entry_write(doctor, rw.patient, "ældst", occurred_at=timezone.now() - timedelta(days=2))
    entry_write(doctor, rw.patient, "midt", occurred_at=timezone.now() - timedelta(days=1))
    entry_write(doctor, rw.patient, "nyest")
    entry_correct(doctor, first, "ældst, rettet")
    before = _log_count(user=rw.doctor.user, action="view", channel="api")

    page1 = api(rw.doctor).get(_journal(rw.patient), limit=2)
    assert page1.status_code == 200, page1.content
    assert [i["text"] for i in page1.json()["items"]] == ["nyest", "midt"]
    cursor = page1.json()["next_cursor"]
    page2 = api(rw.doctor).get(_journal(rw.patient), limit=2, before=cursor).json()

    assert [i["text"] for i in page2["items"]] == ["ældst, rettet"]
    assert page2["items"][0]["version"] == 2
    assert page2["items"][0]["version_count"] == 2
    assert page2["items"][0]["supersedes"] == str(first.public_id)
    assert page2["next_cursor"] is None
    assert _log_count(user=rw.doctor.user, action="view", channel="api") == before + 2
    everything = api(rw.doctor).get(_journal(rw.patient), include_superseded="true").json()
    assert len(everything["items"]) == 4


def test_list_filters(record_world, api):
    rw = record_world
    entry_write(rw.doctor_actor, rw.patient, "notat")
    entry_write(rw.nurse_actor, rw.patient, "telefon", entry_type="phone")
    entry_write(
        rw.doctor_actor, rw.patient, "gammelt", occurred_at=timezone.now() - timedelta(days=10)
    )
    client = api(rw.doctor)

    def texts(**params):
        response = client.get(_journal(rw.patient), **params)
        assert response.status_code == 200, response.content
        return [i["text"] for i in response.json()["items"]]

    assert texts(type="phone") == ["telefon"]
    assert texts(type="phone,note") == ["telefon", "notat", "gammelt"]
    assert texts(author=str(rw.nurse.user.public_id)) == ["telefon"]
    assert texts(unit=str(rw.unit2.public_id)) == []
    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert texts(since=since) == ["telefon", "notat"]
    until = (timezone.localdate() - timedelta(days=5)).isoformat()
    assert texts(until=until) == ["gammelt"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "gossip"}, "type"),
        ({"since": "igår"}, "since"),
        ({"until": "2026-13-45"}, "until"),
        ({"before": "garbage"}, "before"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"unit": "not-a-uuid"}, "unit"),
    ],
)
def test_list_bad_parameters_are_422_naming_the_field(record_world, api, params, field):
    response = api(record_world.doctor).get(_journal(record_world.patient), **params)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field


def test_one_entry_with_its_versions(record_world, api):
    rw = record_world
    v1 = entry_write(rw.secretary_actor, rw.patient, "v1", responsible=rw.doctor.user)
    v2 = entry_correct(rw.doctor_actor, v1, "v2", reason="Stavefejl")
    before = _log_count(user=rw.nurse.user, object_type="journal_entry")

    response = api(rw.nurse).get(f"/journal/{v1.public_id}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(v1.public_id)
    assert body["is_current"] is False
    assert [v["text"] for v in body["versions"]] == ["v1", "v2"]
    assert [v["signed"] for v in body["versions"]] == [False, True]
    assert body["versions"][1]["correction_reason"] == "Stavefejl"
    assert body["versions"][1]["supersedes"] == str(v1.public_id)
    assert body["versions"][1]["id"] == str(v2.public_id)
    assert _log_count(user=rw.nurse.user, object_type="journal_entry") == before + 1


# Correcting and signing --------------------------------------------------------------------------


def test_correction_is_a_new_version(record_world, api):
    rw = record_world
    v1 = entry_write(rw.doctor_actor, rw.patient, "Paracetamol 5 g")
    response = api(rw.doctor).post(
        f"/journal/{v1.public_id}/corrections", {"text": "Paracetamol 500 mg", "reason": "Dosis"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["supersedes"] == str(v1.public_id)
    assert body["correction_reason"] == "Dosis"
    assert body["signed"] is True
    v1.refresh_from_db()
    assert v1.text == "Paracetamol 5 g"


def test_correcting_an_old_version_again_is_409(record_world, api):
    rw = record_world
    v1 = entry_write(rw.doctor_actor, rw.patient, "v1")
    entry_correct(rw.doctor_actor, v1, "v2")
    response = api(rw.doctor).post(
        f"/journal/{v1.public_id}/corrections", {"text": "v2b", "reason": "igen"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_corrected"
    assert JournalEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"text": "ny tekst"}, "reason"), ({"text": "", "reason": "x"}, "text")],
)
def test_correction_needs_reason_and_text(record_world, api, payload, field):
    rw = record_world
    v1 = entry_write(rw.doctor_actor, rw.patient, "v1")
    response = api(rw.doctor).post(f"/journal/{v1.public_id}/corrections", payload)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert JournalEntry.objects.count() == 1


def test_signing_rules(record_world, api):
    rw = record_world
    entry = entry_write(rw.secretary_actor, rw.patient, "til Dorthe", responsible=rw.doctor.user)

    by_secretary = api(rw.secretary).post(f"/journal/{entry.public_id}/sign")
    assert by_secretary.status_code == 403
    by_other_doctor = api(rw.doctor2).post(f"/journal/{entry.public_id}/sign")
    assert by_other_doctor.status_code == 403
    assert by_other_doctor.json()["code"] == "not_responsible"
    assert not JournalSignature.objects.filter(entry=entry).exists()

    assert api(rw.doctor).post(f"/journal/{entry.public_id}/sign").status_code == 201
    again = api(rw.doctor).post(f"/journal/{entry.public_id}/sign")
    assert again.status_code == 409
    assert again.json()["code"] == "already_signed"


def test_signing_a_superseded_version_is_409(record_world, api):
    rw = record_world
    v1 = entry_write(rw.secretary_actor, rw.patient, "v1", responsible=rw.doctor.user)
    entry_correct(rw.secretary_actor, v1, "v2")
    response = api(rw.doctor).post(f"/journal/{v1.public_id}/sign")
    assert response.status_code == 409
    assert response.json()["code"] == "not_current"


# Never changed, never another organisation's ------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_changing_or_deleting_an_entry_is_always_405(record_world, api, method):
    rw = record_world
    entry = entry_write(rw.doctor_actor, rw.patient, "uændret")
    for target in (entry.public_id, uuid.uuid4()):
        response = api(rw.doctor).send(method, f"/journal/{target}", {"text": "ændret"})
        assert response.status_code == 405
        assert response["Allow"] == "GET"
        assert "corrections" in response.json()["detail"]
    entry.refresh_from_db()
    assert entry.text == "uændret"
    assert JournalEntry.objects.count() == 1


def test_another_organisations_patient_and_entries_are_404(record_world, api):
    rw = record_world
    theirs = entry_write(rw.other_doctor_actor, rw.other_patient, "hemmeligt")
    client = api(rw.doctor)

    responses = [
        client.get(_journal(rw.other_patient)),
        client.post(_journal(rw.other_patient), {"type": "note", "text": "x"}),
        client.get(f"/journal/{theirs.public_id}"),
        client.post(f"/journal/{theirs.public_id}/corrections", {"text": "x", "reason": "y"}),
        client.post(f"/journal/{theirs.public_id}/sign"),
        client.get(f"/journal/{uuid.uuid4()}"),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    assert all("hemmeligt" not in r.content.decode() for r in responses)
    assert JournalEntry.objects.count() == 1
    assert (
        not JournalSignature.objects.filter(entry__patient=rw.other_patient)
        .exclude(signed_by=rw.other_doctor.user)
        .exists()
    )
