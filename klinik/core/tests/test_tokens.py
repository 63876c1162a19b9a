from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from klinik.core.api_tokens import api_token_actor, api_token_create
from klinik.core.choices import Role
from klinik.core.models import ApiToken, Membership, Organisation
from klinik.core.services import actor_from_membership, membership_deactivate


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


def _me(client, raw: str):
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_token_acts_in_its_own_organisation_only(world, client):
    """A user working in two organisations: each token acts in the organisation it was made
    for, with the first active membership there."""
    first = world.member(Role.SECRETARY)
    world.member(Role.DOCTOR, unit=world.unit_b, user=first.user)
    _token_a, raw_a = api_token_create(user=first.user, organisation=world.org_a)
    _token_b, raw_b = api_token_create(user=first.user, organisation=world.org_b)
    body_a, body_b = _me(client, raw_a).json(), _me(client, raw_b).json()
    assert (body_a["organisation"], body_a["role"]) == (world.org_a.slug, Role.SECRETARY.value)
    assert (body_b["organisation"], body_b["role"]) == (world.org_b.slug, Role.DOCTOR.value)
    assert body_a["unit"] == str(world.unit_a.public_id)


def test_revoked_tokens_and_inactive_organisations_or_memberships_are_refused(world, client):
    membership = world.member(Role.SECRETARY)
    token, raw = api_token_create(user=membership.user, organisation=world.org_a)
    assert _me(client, raw).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert _me(client, raw).status_code == 401

    _token, raw = api_token_create(user=membership.user, organisation=world.org_a)
    Organisation.objects.filter(pk=world.org_a.pk).update(is_active=False)
    assert _me(client, raw).status_code == 401
    Organisation.objects.filter(pk=world.org_a.pk).update(is_active=True)
    assert _me(client, raw).status_code == 200
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    assert _me(client, raw).status_code == 401


def test_a_token_records_its_use_at_most_once_a_minute(world, client):
    membership = world.member(Role.SECRETARY)
    token, raw = api_token_create(user=membership.user, organisation=world.org_a)
    assert _me(client, raw).status_code == 200
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    _me(client, raw)
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    _me(client, raw)
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_the_token_actor_is_the_membership_actor_with_values_as_the_orm_loads_them(world):
    membership = world.member(Role.SECRETARY)
    _token, raw = api_token_create(user=membership.user, organisation=world.org_a)
    actor = api_token_actor(raw=raw)
    assert actor == actor_from_membership(membership)
    loaded = Membership.objects.select_related("user", "organisation", "unit").get(pk=membership.pk)
    for ours, orm in (
        (actor.user, loaded.user),
        (actor.organisation, loaded.organisation),
        (actor.unit, loaded.unit),
    ):
        for field in type(orm)._meta.concrete_fields:
            mine, theirs = getattr(ours, field.attname), getattr(orm, field.attname)
            assert (mine, type(mine)) == (theirs, type(theirs)), field.name
