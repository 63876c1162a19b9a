"""The role x organisation isolation matrix, through the UI and the REST API.

Every role is tried against a patient of its own organisation and one of another
organisation. The other organisation's patient is a 404 (or a 403 where the role may not see
patients at all, decided before any lookup), nothing of it leaks, and no access is logged.
"""

import re

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.policy import Perm, permissions_for

ALL_ROLES = list(Role)


def _log_count(patient_id: object) -> int:
    return AccessLogEntry.objects.filter(patient_id=patient_id).count()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_ui_role_sees_own_organisation_patient_and_never_another(world, client, role):
    from conftest import login

    membership = world.member(role)
    login(client, membership)
    may_view = Perm.PATIENT_VIEW in permissions_for(role, community_scope=False)

    own = client.get(f"/patients/{world.patient_a.public_id}/")
    assert own.status_code == (200 if may_view else 403)
    assert (world.patient_a.family_name in own.content.decode()) is may_view

    before = _log_count(world.patient_b.public_id)
    foreign = client.get(f"/patients/{world.patient_b.public_id}/")
    assert foreign.status_code == (404 if may_view else 403)
    body = foreign.content.decode()
    assert world.patient_b.given_name not in body
    assert world.patient_b.cpr not in body
    assert _log_count(world.patient_b.public_id) == before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_role_sees_own_organisation_patient_and_never_another(world, client, role):
    membership = world.member(role)
    _, token = api_token_create(user=membership.user, organisation=world.org_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    may_view = Perm.PATIENT_VIEW in permissions_for(role, community_scope=False)

    own = client.get(f"/api/v1/patients/{world.patient_a.public_id}", **auth)
    assert own.status_code == (200 if may_view else 403)
    if may_view:
        assert own.json()["cpr"] == world.patient_a.cpr

    before = _log_count(world.patient_b.public_id)
    foreign = client.get(f"/api/v1/patients/{world.patient_b.public_id}", **auth)
    assert foreign.status_code == (404 if may_view else 403)
    assert world.patient_b.cpr not in foreign.content.decode()
    assert _log_count(world.patient_b.public_id) == before


def test_missing_and_foreign_patient_get_the_same_answer(world, client):
    from conftest import login

    login(client, world.member(Role.SECRETARY))
    foreign = client.get(f"/patients/{world.patient_b.public_id}/")
    missing = client.get("/patients/00000000-0000-4000-8000-000000000000/")
    assert foreign.status_code == missing.status_code == 404
    # Only the per-response CSRF token and the requested path may differ.
    varying = re.compile(rb"[A-Za-z0-9]{64}|[0-9a-f-]{36}")
    assert varying.sub(b"", foreign.content) == varying.sub(b"", missing.content)


def test_community_receptionist_sees_member_patients_but_no_records(world, client):
    from conftest import login

    membership = world.community_member()
    login(client, membership)
    assert client.get(f"/patients/{world.patient_c.public_id}/").status_code == 200
    assert client.get(f"/patients/{world.patient_a.public_id}/").status_code == 404
    assert client.get(f"/patients/{world.patient_b.public_id}/").status_code == 404

    actor = client.get("/dashboard/").wsgi_request.actor
    assert actor.organisation_ids == frozenset({world.org_c.pk})
    assert not actor.can(Perm.RECORD_READ)
    assert actor.can(Perm.SCHEDULE_BOOK)
    # Even a record-reading role acting for the community gets no records.
    assert Perm.RECORD_READ not in permissions_for(Role.DOCTOR, community_scope=True)

    entry = AccessLogEntry.objects.filter(patient_id=world.patient_c.public_id).latest("seq")
    assert entry.organisation_id == world.org_c.pk  # logged against the data's controller


def test_switching_context_changes_the_organisation_acted_for(world, client):
    from conftest import login

    membership = world.member(Role.SECRETARY)
    other = world.member(Role.SECRETARY, unit=world.unit_b, user=membership.user)
    login(client, membership)
    assert client.get(f"/patients/{world.patient_b.public_id}/").status_code == 404
    response = client.post("/context/", {"membership": str(other.public_id)})
    assert response.status_code == 302
    assert client.get(f"/patients/{world.patient_b.public_id}/").status_code == 200
    assert client.get(f"/patients/{world.patient_a.public_id}/").status_code == 404


def test_switching_to_someone_elses_membership_is_refused(world, client):
    from conftest import login

    mine = world.member(Role.SECRETARY)
    theirs = world.member(Role.SECRETARY, unit=world.unit_b)
    login(client, mine)
    assert client.post("/context/", {"membership": str(theirs.public_id)}).status_code == 404
    assert client.get(f"/patients/{world.patient_b.public_id}/").status_code == 404
