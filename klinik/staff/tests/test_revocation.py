"""Revoking and reviewing delegations (issue 17 item 7), and the authorisation id the right to
delegate needs (item 1): a doctor revokes from a day with a reason, the register keeps the
row with who and when, acts before that day stay allowed and acts from it are refused; bad
revocations and the unauthorised are refused with nothing written; a review moves the review
date and the work queue's reminder goes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from klinik.api.tests.helpers import ApiClient
from klinik.core.choices import Role
from klinik.core.errors import DomainError
from klinik.core.hooks import DELEGATED_ACT_CHECKS, hook_items
from klinik.staff.models import Delegation
from klinik.staff.tests.factories import authorisation_give, delegation_grant


def _d(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


@pytest.fixture
def people(world):
    doctor = world.member(Role.DOCTOR)
    authorisation_give(doctor)
    return {
        "doctor": doctor,
        "nurse": world.member(Role.NURSE),
        "manager": world.member(Role.MANAGER),
        "other_doctor": world.member(Role.DOCTOR, unit=world.unit_b),
    }


def _allowed(world, user, on: dt.date) -> bool:
    try:
        for check in hook_items(DELEGATED_ACT_CHECKS):
            check(organisation_id=world.org_a.pk, performer=user, task="vaccination", on=on)
    except DomainError:
        return False
    return True


def test_a_doctor_revokes_from_a_day_and_the_history_stays(world, client, login_as, people):
    today = timezone.localdate()
    delegation = delegation_grant(
        doctor=people["doctor"],
        delegate=people["nurse"].user,
        valid_from=today - dt.timedelta(days=30),
    )
    login_as(people["doctor"])
    url = f"/staff/delegations/{delegation.public_id}/"
    assert b'id="revoke-form"' in client.get(url).content
    response = client.post(
        url,
        {
            "action": "revoke",
            "revoked_on": _d(today + dt.timedelta(days=3)),
            "reason": "Sygeplejersken skifter til en anden afdeling",
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    delegation.refresh_from_db()
    assert delegation.revoked_on == today + dt.timedelta(days=3)
    assert delegation.revoked_by == people["doctor"].user
    assert delegation.revoke_reason.startswith("Sygeplejersken")
    # Valid on the days before, not from the day on.
    nurse = people["nurse"].user
    assert _allowed(world, nurse, today + dt.timedelta(days=2))
    assert not _allowed(world, nurse, today + dt.timedelta(days=3))
    # The register keeps it, marked revoked; the detail names who and why.
    register = client.get("/staff/delegations/").content.decode()
    assert f'id="delegation-{delegation.public_id}"' in register and 'data-revoked="1"' in register
    detail = client.get(url).content.decode()
    assert "Sygeplejersken skifter" in detail and 'id="revoke-form"' not in detail
    api = ApiClient(client, people["doctor"]).get("/delegations").json()
    assert api[0]["is_revoked"] is True
    assert api[0]["revoked_on"] == (today + dt.timedelta(days=3)).isoformat()


@pytest.mark.parametrize(
    ("revoked_on", "reason"),
    [
        (-1, "Fejl"),  # backdated
        (3, ""),  # no reason
        (400, "Efter udløb"),  # after the delegation's end
    ],
)
def test_bad_revocations_are_refused(world, client, login_as, people, revoked_on, reason):
    today = timezone.localdate()
    delegation = delegation_grant(
        doctor=people["doctor"],
        delegate=people["nurse"].user,
        valid_from=today - dt.timedelta(days=30),
        valid_to=today + dt.timedelta(days=300),
    )
    login_as(people["doctor"])
    response = client.post(
        f"/staff/delegations/{delegation.public_id}/",
        {
            "action": "revoke",
            "revoked_on": _d(today + dt.timedelta(days=revoked_on)),
            "reason": reason,
        },
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_only_an_authorised_doctor_revokes(world, client, login_as, people):
    delegation = delegation_grant(doctor=people["doctor"], delegate=people["nurse"].user)
    url = f"/staff/delegations/{delegation.public_id}/"
    for who in ("nurse", "manager"):
        login_as(people[who])
        assert b'id="revoke-form"' not in client.get(url).content
        response = client.post(
            url, {"action": "revoke", "revoked_on": _d(timezone.localdate()), "reason": "x"}
        )
        assert response.status_code == 400
        client.post("/logout/")
    login_as(people["other_doctor"])
    assert client.get(url).status_code == 404
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_a_doctor_without_an_authorisation_id_may_not_delegate(world, client, people):
    bare = world.member(Role.DOCTOR)
    from klinik.staff.tests.factories import instruction_make

    instruction_make(doctor=bare, title="Instruks")
    response = ApiClient(client, bare).post(
        "/delegations",
        {
            "delegate": people["nurse"].user.username,
            "task": "vaccination",
            "instruction": "Instruks",
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 403
    assert response.json()["code"] == "no_authorisation_id"
    assert not Delegation.objects.exists()


def test_a_review_moves_the_review_date_and_the_reminder_goes(world, client, login_as, people):
    today = timezone.localdate()
    delegation = delegation_grant(doctor=people["doctor"], delegate=people["nurse"].user)
    delegation.review_on = today + dt.timedelta(days=5)
    delegation.save()
    api = ApiClient(client, people["doctor"])
    assert [i["id"] for i in api.get("/worklist", kind="delegation").json()] == [
        str(delegation.public_id)
    ]
    login_as(people["doctor"])
    url = f"/staff/delegations/{delegation.public_id}/"
    bad = client.post(url, {"action": "review", "review_on": _d(today - dt.timedelta(days=1))})
    assert bad.status_code == 400
    response = client.post(
        url, {"action": "review", "review_on": _d(today + dt.timedelta(days=365))}
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.reviewed_on == today
    assert delegation.review_on == today + dt.timedelta(days=365)
    assert api.get("/worklist", kind="delegation").json() == []
