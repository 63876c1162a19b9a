"""Role changes made in the Django admin (demo only) reach the access log as the staff
screens' do (issue 10): the same staff-change entry, by the admin's user."""

import pytest
from django.test import Client

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.api_tokens import api_token_create
from klinik.core.choices import Role
from klinik.core.models import ApiToken, Membership

pytestmark = pytest.mark.urls("klinik.core.tests.admin_urls")


@pytest.fixture
def admin_client(world, client):
    from conftest import login

    membership = world.member(Role.SYSTEM_ADMIN)
    membership.user.is_superuser = membership.user.is_staff = True
    membership.user.save()
    login(client, membership)
    client.admin_user = membership.user
    return client


def _form(membership: Membership, **changes: object) -> dict[str, object]:
    data = {
        "user": membership.user_id,
        "organisation": membership.organisation_id,
        "unit": membership.unit_id,
        "community": "",
        "role": membership.role,
        "is_active": "on" if membership.is_active else "",
        "deactivated_at_0": "",
        "deactivated_at_1": "",
    }
    return data | changes


def _entries(membership: Membership) -> list[AccessLogEntry]:
    return list(
        AccessLogEntry.objects.filter(
            action=Action.STAFF_CHANGE, object_id=str(membership.public_id)
        ).order_by("seq")
    )


def test_a_role_changed_in_the_django_admin_is_logged_like_the_staff_screens(world, admin_client):
    target = world.member(Role.SECRETARY)
    url = f"/django-admin/core/membership/{target.pk}/change/"
    response = admin_client.post(url, _form(target, role=Role.DOCTOR))
    assert response.status_code == 302, response.content[:2000]
    target.refresh_from_db()
    assert target.role == Role.DOCTOR
    (entry,) = _entries(target)
    assert entry.reason == "role secretary -> doctor"  # as membership_change_role writes it
    assert entry.object_type == "membership"
    assert entry.user_id == admin_client.admin_user.pk
    assert entry.organisation_id == world.org_a.pk

    _token, raw = api_token_create(user=target.user, organisation=world.org_a)
    response = admin_client.post(url, _form(target, is_active=""))
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active and target.deactivated_at is not None
    assert [e.reason for e in _entries(target)] == ["role secretary -> doctor", "deactivated"]
    # Their last role ended: no more login, and their API token stops at once, as in the
    # staff screens.
    target.user.refresh_from_db()
    assert not target.user.is_active
    assert ApiToken.objects.get(user=target.user).revoked_at is not None
    assert Client().get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_membership_added_or_deleted_in_the_django_admin_is_logged(world, admin_client):
    user = world.member(Role.NURSE).user
    response = admin_client.post(
        "/django-admin/core/membership/add/",
        _form(Membership(user=user, organisation=world.org_a, unit=world.unit_a2, role="nurse")),
    )
    assert response.status_code == 302, response.content[:2000]
    added = Membership.objects.get(user=user, unit=world.unit_a2)
    assert [e.reason for e in _entries(added)] == ["added"]

    response = admin_client.post(
        f"/django-admin/core/membership/{added.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=added.pk).exists()
    assert [e.reason for e in _entries(added)] == ["added", "deleted (role nurse)"]


def test_saving_without_a_change_logs_nothing(world, admin_client):
    target = world.member(Role.SECRETARY)
    response = admin_client.post(
        f"/django-admin/core/membership/{target.pk}/change/", _form(target)
    )
    assert response.status_code == 302
    assert _entries(target) == []
