"""Referrals, visitation, markers and the engine over REST: the issue's contract, 422 naming
the field with nothing written, 404 across organisations with nothing leaked or changed."""

from __future__ import annotations

from datetime import date

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.pathways.choices import DeadlineState, ReferralStatus
from klinik.pathways.models import Deadline, Pathway, PathwayMarker, Referral, Task
from klinik.pathways.tests.conftest import referral_payload

MISSING = "00000000-0000-4000-8000-000000000000"


def _deadlines(body):
    return {d["rule"]: (d["start"], d["due"]) for d in body["deadlines"]}


def test_working_days_endpoint(api, now):
    response = api.get("/working-days", start="2026-03-30", days=8)
    assert response.status_code == 200
    assert response.json() == {"start": "2026-03-30", "days": 8, "date": "2026-04-14"}


def test_working_days_refuses_negative_days(api, now):
    response = api.get("/working-days", start="2026-03-30", days=-1)
    assert response.status_code == 422 and "days" in response.json()["detail"]


def test_deadlines_endpoint_counts_calendar_days_from_the_day_after(api, now):
    response = api.get("/deadlines", rule="udredningsret", start="2025-12-18")
    assert response.json() == {"rule": "udredningsret", "start": "2025-12-18", "due": "2026-01-17"}


def test_behandlingsret_is_60_days_for_somatic_referrals_received_june_2023_to_2024(api, now):
    def due(start, **extra):
        return api.get("/deadlines", rule="behandlingsret", start=start, **extra).json()["due"]

    assert due("2023-05-31") == "2023-06-30"  # before: 30 days
    assert due("2023-06-01") == "2023-07-31"  # 60 days
    assert due("2024-12-31") == "2025-03-01"
    assert due("2025-01-01") == "2025-01-31"  # after: 30 again
    assert due("2024-03-01", area="psychiatric") == "2024-03-31"


def test_deadlines_endpoint_refuses_an_unknown_rule(api, now):
    response = api.get("/deadlines", rule="no-such-rule", start="2025-12-18")
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_rule" and "rule" in response.json()["detail"]


def test_deadline_rules_lists_the_table_with_sources(api, now):
    rules = api.get("/deadline-rules").json()
    codes = {r["code"] for r in rules}
    assert {"udredningsret-besked", "udredningsret", "behandlingsret", "kraeft-udredning"} <= codes
    assert {"kraeft-henvist-behandling", "kraeft-behandling"} <= codes
    assert any(c.startswith("hjerte-") for c in codes)
    besked = next(r for r in rules if r["code"] == "udredningsret-besked")
    assert (besked["length"], besked["unit"]) == (8, "working")
    assert all(r["source"] for r in rules)


def test_a_referral_is_registered_with_its_deadlines_and_the_tell_the_patient_task(api, world, now):
    response = api.post("/referrals", referral_payload(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received"
    # Received Thursday 18 Dec 2025: 8 working days over Christmas -> 2 Jan; 30 days -> 17 Jan.
    assert _deadlines(body) == {
        "udredningsret-besked": ("2025-12-18", "2026-01-02"),
        "udredningsret": ("2025-12-18", "2026-01-17"),
    }
    referral = Referral.objects.get(public_id=body["id"])
    assert referral.events.get().kind == "received"
    task = Task.objects.get(referral=referral)
    assert (task.source, task.due, task.assignee_role) == (
        "rule:udredningsret-besked",
        date(2026, 1, 2),
        "secretary",
    )
    assert AccessLogEntry.objects.filter(
        object_type="referral", object_id=body["id"], action="create"
    ).exists()


def test_get_referral_shows_deadlines_and_history(api, world, now):
    created = api.post("/referrals", referral_payload(world)).json()
    body = api.get(f"/referrals/{created['id']}").json()
    assert body["referrer"] == {
        "name": "Lægerne i Byen",
        "sor": "123456789",
        "ydernummer": "012345",
    }
    assert [h["kind"] for h in body["history"]] == ["received"]
    assert {d["rule"] for d in body["deadlines"]} == {"udredningsret", "udredningsret-besked"}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"received_at": "2025-12-19T09:00:00+01:00"}, "received_at", "received_in_future"),
        ({"rights": ["udredningsret", "nope"]}, "rights", "unknown_rule"),
        ({"diagnosis": "DX9999"}, "diagnosis", "unknown_code"),
        ({"priority": "haster"}, "priority", "invalid"),
        ({"reason": "  "}, "reason", "required"),
        ({"referrer": {"name": ""}}, "referrer.name", "required"),
        ({"referrer": {"name": "X", "ydernummer": "12a"}}, "referrer.ydernummer", "bad_value"),
    ],
)
def test_bad_referrals_are_refused_at_the_field_and_nothing_is_written(
    api, world, now, change, field, code
):
    logged = AccessLogEntry.objects.count()
    response = api.post("/referrals", referral_payload(world, **change))
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"].startswith(field)
    assert not Referral.objects.exists() and not Task.objects.exists()
    assert not Deadline.objects.exists()
    assert AccessLogEntry.objects.count() == logged


def test_a_referral_for_another_organisations_patient_or_unit_is_refused(api, world, now):
    for change, field in (
        ({"patient": str(world.patient_b.public_id)}, "patient"),
        ({"unit": str(world.unit_b.public_id)}, "unit"),
    ):
        response = api.post("/referrals", referral_payload(world, **change))
        assert response.status_code == 422 and response.json()["detail"].startswith(field)
    assert not Referral.objects.exists()


def test_another_organisation_gets_404_and_changes_nothing(api, api_b, world, now):
    created = api.post("/referrals", referral_payload(world)).json()
    referral = Referral.objects.get(public_id=created["id"])
    assert api_b.get(f"/referrals/{created['id']}").status_code == 404
    assert api_b.get(f"/referrals/{MISSING}").status_code == 404
    response = api_b.post(f"/referrals/{created['id']}/visitation", {"decision": "accept"})
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED and not Pathway.objects.exists()
    assert (
        not AccessLogEntry.objects.filter(user_id=api_b_user_id(api_b))
        .exclude(object_type="")
        .filter(object_id=created["id"])
        .exists()
    )


def api_b_user_id(api_b):
    from klinik.core.models import ApiToken

    return ApiToken.objects.order_by("-id").values_list("user_id", flat=True).first()


def test_visitation_accepts_and_starts_a_pathway(api, api_doctor, world, now):
    created = api.post("/referrals", referral_payload(world)).json()
    response = api_doctor.post(
        f"/referrals/{created['id']}/visitation", {"decision": "accept", "priority": "akut"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["priority"] == "akut"
    assert [h["kind"] for h in body["history"]] == ["received", "accepted"]
    pathway = Pathway.objects.get(public_id=body["pathway"])
    assert pathway.referral.public_id.hex == created["id"].replace("-", "")
    assert Deadline.objects.filter(pathway=pathway).count() == 2


def test_visitation_is_for_clinicians(api, world, now):
    created = api.post("/referrals", referral_payload(world)).json()
    response = api.post(f"/referrals/{created['id']}/visitation", {"decision": "accept"})
    assert response.status_code == 403
    assert Referral.objects.get().status == ReferralStatus.RECEIVED


def test_rejection_needs_a_reason_and_makes_an_answer_task(api, api_doctor, world, now):
    created = api.post("/referrals", referral_payload(world)).json()
    path = f"/referrals/{created['id']}/visitation"
    response = api_doctor.post(path, {"decision": "reject"})
    assert response.status_code == 422 and response.json()["detail"].startswith("reason")
    assert Referral.objects.get().status == ReferralStatus.RECEIVED
    response = api_doctor.post(path, {"decision": "reject", "reason": "Hører til i almen praksis"})
    assert response.json()["status"] == "rejected"
    assert Task.objects.filter(source="rule:henvisning-afvist").count() == 1
    assert Task.objects.get(source="rule:udredningsret-besked").status == "cancelled"
    assert set(Deadline.objects.values_list("state", flat=True)) == {DeadlineState.CANCELLED}


def test_a_closed_referral_cannot_be_visitated_again(api, api_doctor, world, now):
    created = api.post("/referrals", referral_payload(world)).json()
    path = f"/referrals/{created['id']}/visitation"
    assert api_doctor.post(path, {"decision": "accept"}).status_code == 200
    response = api_doctor.post(path, {"decision": "reject", "reason": "x"})
    assert response.status_code == 422
    assert response.json()["code"] == "referral_closed"
    assert response.json()["detail"].startswith("decision")
    assert Referral.objects.get().status == ReferralStatus.ACCEPTED


def test_redirect_moves_the_referral_and_keeps_the_clocks(api, api_doctor, world, now):
    created = api.post("/referrals", referral_payload(world)).json()
    path = f"/referrals/{created['id']}/visitation"
    response = api_doctor.post(path, {"decision": "redirect", "unit": str(world.unit_b.public_id)})
    assert response.status_code == 422 and response.json()["detail"].startswith("unit")
    response = api_doctor.post(
        path, {"decision": "redirect", "unit": str(world.unit_a2.public_id), "reason": "Lunge"}
    )
    body = response.json()
    assert body["status"] == "received" and body["unit"] == str(world.unit_a2.public_id)
    assert _deadlines(body)["udredningsret"] == ("2025-12-18", "2026-01-17")
    assert set(Deadline.objects.values_list("unit", flat=True)) == {world.unit_a2.pk}
    assert body["history"][-1]["kind"] == "redirected"


def _accepted_pathway(api, api_doctor, world):
    created = api.post("/referrals", referral_payload(world)).json()
    body = api_doctor.post(f"/referrals/{created['id']}/visitation", {"decision": "accept"}).json()
    return created["id"], body["pathway"]


def test_a_pause_marker_moves_the_due_date_and_its_end_restarts_the_clock(
    api, api_doctor, world, now, clock
):
    referral_id, pathway_id = _accepted_pathway(api, api_doctor, world)
    response = api_doctor.post(
        f"/pathways/{pathway_id}/markers", {"code": "AFV02K1", "at": "2025-12-18T09:30:00+01:00"}
    )
    assert response.status_code == 201, response.content
    clock.set(now.replace(day=22))  # four days later the patient is waiting again
    api_doctor.post(
        f"/pathways/{pathway_id}/markers", {"code": "AFV02K2", "at": "2025-12-22T08:00:00+01:00"}
    )
    deadlines = _deadlines(api.get(f"/referrals/{referral_id}").json())
    # 30 days from 18.12 with 19.-22.12 left out: 21 January.
    assert deadlines["udredningsret"] == ("2025-12-18", "2026-01-21")
    # 8 working days: 19 and 22 December left out -> 6 January.
    assert deadlines["udredningsret-besked"] == ("2025-12-18", "2026-01-06")
    task = Task.objects.get(source="rule:udredningsret-besked")
    assert task.due == date(2026, 1, 6)


def test_a_marker_meets_its_deadline(api, api_doctor, world, now):
    referral_id, pathway_id = _accepted_pathway(api, api_doctor, world)
    api_doctor.post(
        f"/pathways/{pathway_id}/markers", {"code": "AFV01C", "at": "2025-12-18T09:45:00+01:00"}
    )
    body = api.get(f"/referrals/{referral_id}").json()
    states = {d["rule"]: d["state"] for d in body["deadlines"]}
    assert states == {"udredningsret": "met", "udredningsret-besked": "open"}


@pytest.mark.parametrize(
    ("marker", "field", "code"),
    [
        ({"code": "AFV01B", "at": "2025-12-18T09:00:00+01:00"}, "at", "marker_outside_period"),
        ({"code": "AFV01B", "at": "2025-12-19T09:00:00+01:00"}, "at", "marker_outside_period"),
        ({"code": "AFV99Z", "at": "2025-12-18T09:30:00+01:00"}, "code", "unknown_code"),
        ({"code": "DJ44", "at": "2025-12-18T09:30:00+01:00"}, "code", "unknown_code"),
    ],
)
def test_bad_markers_are_refused_and_nothing_is_written(
    api, api_doctor, world, now, marker, field, code
):
    _referral_id, pathway_id = _accepted_pathway(api, api_doctor, world)
    response = api_doctor.post(f"/pathways/{pathway_id}/markers", marker)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code and response.json()["detail"].startswith(field)
    assert not PathwayMarker.objects.exists()


def test_markers_of_another_organisations_pathway_are_404(api, api_doctor, api_b, world, now):
    _referral_id, pathway_id = _accepted_pathway(api, api_doctor, world)
    response = api_b.post(
        f"/pathways/{pathway_id}/markers", {"code": "AFV01B", "at": "2025-12-18T09:30:00+01:00"}
    )
    assert response.status_code == 404
    assert not PathwayMarker.objects.exists()
