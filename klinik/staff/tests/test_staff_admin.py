"""Managers add, re-role and deactivate staff in the UI; isolation holds across organisations."""

from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.models import Membership, User
from klinik.core.tests.factories import TEST_PASSWORD

NEW_PASSWORD = "en-lang-sikker-adgangskode"


def _add_form(world, **overrides):
    data = {
        "first_name": "Ny",
        "last_name": "Medarbejder",
        "username": "nyansat",
        "email": "ny@example.org",
        "role": Role.NURSE,
        "unit": world.unit_a.pk,
        "password": NEW_PASSWORD,
    }
    return data | overrides


def test_manager_adds_a_staff_member_who_can_then_log_in(world, client, login_as):
    manager = world.member(Role.MANAGER)
    login_as(manager)
    response = client.post("/staff/add/", _add_form(world))
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="nyansat")
    assert membership.organisation == world.org_a
    assert membership.role == Role.NURSE
    assert AccessLogEntry.objects.filter(
        action=Action.STAFF_CHANGE, object_id=str(membership.public_id)
    ).exists()
    listing = client.get("/staff/").content.decode()
    assert "nyansat" in listing

    client.post("/logout/")
    login = client.post("/login/", {"username": "nyansat", "password": NEW_PASSWORD})
    assert login.status_code == 302
    # The manager chose the password: the new person must choose their own first.
    assert client.get("/dashboard/")["Location"] == "/profile/password/"
    weak = client.post(
        "/profile/password/",
        {"old_password": NEW_PASSWORD, "new_password1": "kort", "new_password2": "kort"},
    )
    assert weak.status_code == 400
    changed = client.post(
        "/profile/password/",
        {
            "old_password": NEW_PASSWORD,
            "new_password1": "mit-eget-lange-kodeord-9",
            "new_password2": "mit-eget-lange-kodeord-9",
        },
    )
    assert changed.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert AccessLogEntry.objects.filter(
        user__username="nyansat", action=Action.PASSWORD_CHANGE
    ).exists()


def test_bad_staff_input_saves_nothing_and_names_the_field(world, client, login_as):
    login_as(world.member(Role.MANAGER))
    short = client.post("/staff/add/", _add_form(world, password="kort"))
    assert short.status_code == 400
    assert not User.objects.filter(username="nyansat").exists()

    taken = world.member(Role.SECRETARY).user.username
    dup = client.post("/staff/add/", _add_form(world, username=taken))
    assert dup.status_code == 400
    assert Membership.objects.filter(user__username=taken).count() == 1

    foreign_unit = client.post("/staff/add/", _add_form(world, unit=world.unit_b.pk))
    assert foreign_unit.status_code == 400
    assert not User.objects.filter(username="nyansat").exists()


def test_manager_cannot_create_system_admins(world, client, login_as):
    login_as(world.member(Role.MANAGER))
    response = client.post("/staff/add/", _add_form(world, role=Role.SYSTEM_ADMIN))
    assert response.status_code == 400
    assert not User.objects.filter(username="nyansat").exists()


def test_manager_changes_a_role(world, client, login_as):
    login_as(world.member(Role.MANAGER))
    target = world.member(Role.APPRENTICE)
    response = client.post(f"/staff/{target.public_id}/role/", {"role": Role.SECRETARY})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.SECRETARY


def test_deactivated_user_cannot_log_in_but_keeps_history(world, client, login_as):
    manager = world.member(Role.MANAGER)
    target = world.member(Role.SECRETARY)
    # The target has history: a login and a patient access.
    other = client.__class__()
    other.post("/login/", {"username": target.user.username, "password": TEST_PASSWORD})
    other.get(f"/patients/{world.patient_a.public_id}/")
    history = AccessLogEntry.objects.filter(user=target.user).count()
    assert history >= 2

    login_as(manager)
    assert client.post(f"/staff/{target.public_id}/active/", {"active": "0"}).status_code == 302
    target.refresh_from_db()
    target.user.refresh_from_db()
    assert not target.is_active and target.deactivated_at is not None
    assert not target.user.is_active
    # The open session of the deactivated user ends at its next request.
    assert other.get("/dashboard/").status_code == 302

    fresh = client.__class__()
    refused = fresh.post("/login/", {"username": target.user.username, "password": TEST_PASSWORD})
    assert refused.status_code == 400
    assert "deaktiveret" in refused.content.decode()
    assert AccessLogEntry.objects.filter(user=target.user).count() >= history

    # Reactivation gives the login back.
    assert client.post(f"/staff/{target.public_id}/active/", {"active": "1"}).status_code == 302
    again = fresh.post("/login/", {"username": target.user.username, "password": TEST_PASSWORD})
    assert again.status_code == 302


def test_manager_cannot_deactivate_themselves(world, client, login_as):
    manager = world.member(Role.MANAGER)
    login_as(manager)
    client.post(f"/staff/{manager.public_id}/active/", {"active": "0"})
    manager.refresh_from_db()
    assert manager.is_active


def test_manager_of_one_organisation_cannot_touch_another(world, client, login_as):
    login_as(world.member(Role.MANAGER))
    foreign = world.member(Role.SECRETARY, unit=world.unit_b)
    assert client.post(f"/staff/{foreign.public_id}/active/", {"active": "0"}).status_code == 404
    assert (
        client.post(f"/staff/{foreign.public_id}/role/", {"role": Role.DOCTOR}).status_code == 404
    )
    foreign.refresh_from_db()
    assert foreign.is_active and foreign.role == Role.SECRETARY
    assert foreign.user.username not in client.get("/staff/").content.decode()


def test_roles_without_staff_permission_are_refused(world, client, login_as):
    login_as(world.member(Role.SECRETARY))
    assert client.get("/staff/").status_code == 403
    target = world.member(Role.NURSE)
    assert client.post(f"/staff/{target.public_id}/active/", {"active": "0"}).status_code == 403
    target.refresh_from_db()
    assert target.is_active
