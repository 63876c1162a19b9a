from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from klinik.core.choices import Role
from klinik.core.services import membership_deactivate


def _create_token(username: str, org: str) -> str:
    out = StringIO()
    call_command("token", "create", "--user", username, "--org", org, stdout=out)
    return out.getvalue().strip()


def test_token_command_prints_a_token_the_api_accepts(world, client):
    membership = world.member(Role.SECRETARY)
    token = _create_token(membership.user.username, world.org_a.slug)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == membership.user.username
    assert body["organisation"] == world.org_a.slug
    assert "patient.view" in body["permissions"]


def test_token_for_an_organisation_the_user_does_not_work_in_is_refused(world):
    membership = world.member(Role.SECRETARY)
    with pytest.raises(CommandError):
        _create_token(membership.user.username, world.org_b.slug)
    with pytest.raises(CommandError):
        _create_token("findes-ikke", world.org_a.slug)


def test_api_without_or_with_a_wrong_token_is_401(world, client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer klk_forkert").status_code == 401


def test_deactivating_the_user_revokes_their_tokens(world, client, actor_for):
    manager = world.member(Role.MANAGER)
    membership = world.member(Role.SECRETARY)
    token = _create_token(membership.user.username, world.org_a.slug)
    membership_deactivate(actor=actor_for(manager), membership=membership)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_session_login_does_not_open_the_api(world, client, login_as):
    login_as(world.member(Role.SECRETARY))
    assert client.get(f"/api/v1/patients/{world.patient_a.public_id}").status_code == 401
