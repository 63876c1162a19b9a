"""`klinik token create/list/revoke`: expiry, last use, and tokens for the shared reception of
a clinic community (reception permissions only)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.models import ApiToken
from klinik.core.policy import COMMUNITY_PERMISSIONS
from klinik.core.tests.factories import OrganisationFactory, UnitFactory
from klinik.patients.tests.factories import PatientFactory


def _token(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def _create(username: str, org: str, *extra: str) -> str:
    return _token("create", "--user", username, "--org", org, *extra).strip()


def _get(client, raw: str, path: str = "/api/v1/me"):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_list_shows_each_token_without_the_token(world, client, clock):
    clock.set(clock.now)
    membership = world.member(Role.SECRETARY)
    username = membership.user.username
    used = _create(username, world.org_a.slug, "--name", "Booking-integration")
    expiring = _create(username, world.org_a.slug, "--expires-in", "90d")
    _create(world.member(Role.DOCTOR).user.username, world.org_a.slug)  # someone else's
    assert _get(client, used).status_code == 200

    listing = _token("list", "--user", username)

    lines = listing.strip().splitlines()
    assert len(lines) == 3  # a header and two tokens
    assert lines[0].split()[:3] == ["PREFIX", "ORGANISATION", "CREATED"]
    for raw in (used, expiring):
        assert raw not in listing
        assert raw[:10] in listing  # the prefix identifies it
    stored = ApiToken.objects.filter(user=membership.user)
    for token in stored:
        assert token.key_hash not in listing
    used_line = next(line for line in lines if line.startswith(used[:10]))
    expiring_line = next(line for line in lines if line.startswith(expiring[:10]))
    assert world.org_a.slug in used_line
    assert "Booking-integration" in used_line
    today = timezone.localdate().isoformat()
    in_90_days = (timezone.localtime() + timedelta(days=90)).date().isoformat()
    assert in_90_days in expiring_line
    assert today in used_line.split(world.org_a.slug, 1)[1]  # created and last used today
    assert "never" in expiring_line  # not used yet


def test_revoke_by_prefix_stops_the_token_at_once(world, client):
    membership = world.member(Role.SECRETARY)
    raw = _create(membership.user.username, world.org_a.slug)
    other = _create(membership.user.username, world.org_a.slug)
    assert _get(client, raw).status_code == 200

    out = _token("revoke", raw[:10])

    assert raw[:10] in out
    refused = _get(client, raw)
    assert refused.status_code == 401
    assert refused["Content-Type"].startswith("application/json")
    assert _get(client, other).status_code == 200
    token = ApiToken.objects.get(prefix=raw[:10])
    assert token.revoked_at is not None
    assert AccessLogEntry.objects.filter(
        object_type="api_token", object_id=str(token.public_id), reason="revoked"
    ).exists()
    assert "revoked" in _token("list", "--user", membership.user.username)


def test_revoke_refuses_an_unknown_or_ambiguous_prefix(world):
    membership = world.member(Role.SECRETARY)
    first = _create(membership.user.username, world.org_a.slug)
    second = _create(membership.user.username, world.org_a.slug)
    with pytest.raises(CommandError, match="No active token"):
        _token("revoke", "klk_zzzzzz")
    ApiToken.objects.filter(prefix=second[:10]).update(prefix=first[:10])
    with pytest.raises(CommandError, match="2 active tokens"):
        _token("revoke", first[:10])
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_an_expired_token_is_refused_with_a_json_401(world, client, clock):
    clock.set(clock.now)
    membership = world.member(Role.SECRETARY)
    raw = _create(membership.user.username, world.org_a.slug, "--expires-in", "90d")
    token = ApiToken.objects.get(prefix=raw[:10])
    assert token.expires_at == clock.now + timedelta(days=90)
    clock.advance(days=89)
    assert _get(client, raw).status_code == 200
    clock.advance(days=1, seconds=1)
    refused = _get(client, raw)
    assert refused.status_code == 401
    assert refused["Content-Type"].startswith("application/json")
    assert "detail" in refused.json()


@pytest.mark.parametrize("expires_in", ["90", "0d", "-3d", "90x", "d"])
def test_a_malformed_expiry_is_refused(world, expires_in):
    membership = world.member(Role.SECRETARY)
    with pytest.raises(CommandError, match="expires-in"):
        _create(membership.user.username, world.org_a.slug, "--expires-in", expires_in)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("expires_in", "delta"), [("12h", timedelta(hours=12)), ("2w", timedelta(weeks=2))]
)
def test_expiry_in_hours_and_weeks(world, clock, expires_in, delta):
    clock.set(clock.now)
    membership = world.member(Role.SECRETARY)
    raw = _create(membership.user.username, world.org_a.slug, "--expires-in", expires_in)
    assert ApiToken.objects.get(prefix=raw[:10]).expires_at == clock.now + delta


class TestCommunityReception:
    """The shared reception's secretary works for every clinic of the community, through a
    community membership: a token acts for one of those clinics, with reception rights."""

    @pytest.fixture
    def receptionist(self, world):
        return world.community_member()

    @pytest.fixture
    def neighbour(self, world):
        """A second clinic in the same community."""
        organisation = OrganisationFactory(slug="org-d", community=world.community)
        unit = UnitFactory(organisation=organisation)
        return PatientFactory(unit=unit, given_name="Dorte")

    def test_a_token_acts_for_the_clinic_with_reception_permissions_only(
        self, world, client, receptionist, neighbour
    ):
        raw = _create(receptionist.user.username, world.org_c.slug)
        me = _get(client, raw)
        assert me.status_code == 200
        body = me.json()
        assert body["organisation"] == world.org_c.slug
        assert body["role"] == Role.HEALTH_SERVICE_SECRETARY.value
        assert set(body["permissions"]) == {p.value for p in COMMUNITY_PERMISSIONS}
        patient = world.patient_c
        assert _get(client, raw, f"/api/v1/patients/{patient.public_id}").status_code == 200
        # Records are out of reach, whatever the role could do inside a clinic.
        for path in (
            f"/api/v1/patients/{patient.public_id}/journal",
            f"/api/v1/patients/{patient.public_id}/diagnoses",
        ):
            refused = _get(client, raw, path)
            assert refused.status_code == 403, path
            assert "Cecilie" not in refused.content.decode()
        # Only the clinic the token was made for: not its neighbour, not outside the community.
        assert _get(client, raw, f"/api/v1/patients/{neighbour.public_id}").status_code == 404
        assert _get(client, raw, f"/api/v1/patients/{world.patient_a.public_id}").status_code == 404

    def test_no_token_for_a_clinic_outside_the_community(self, world, receptionist):
        with pytest.raises(CommandError):
            _create(receptionist.user.username, world.org_a.slug)
        assert not ApiToken.objects.exists()

    def test_a_community_token_stops_with_the_membership(self, world, client, receptionist):
        raw = _create(receptionist.user.username, world.org_c.slug)
        receptionist.is_active = False
        receptionist.save()
        assert _get(client, raw).status_code == 401

    def test_a_unit_role_in_the_clinic_wins_over_the_community_role(
        self, world, client, receptionist
    ):
        world.member(Role.SECRETARY, unit=world.unit_c, user=receptionist.user)
        body = _get(client, _create(receptionist.user.username, world.org_c.slug)).json()
        assert body["role"] == Role.SECRETARY.value
        assert body["unit"] == str(world.unit_c.public_id)
