"""A password may not contain the username, on every path that sets one: `laege3laege3` was
accepted for `laege3` (Django's similarity check stops at a ratio of 0.7, this is 0.67)."""

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm, SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command

from klinik.core.choices import Role
from klinik.core.models import User
from klinik.core.services import user_password_change
from klinik.core.tests.factories import TEST_PASSWORD

REFUSED = "Adgangskoden må ikke indeholde brugernavnet."


@pytest.fixture
def laege3(world):
    membership = world.member(Role.DOCTOR, user__username="laege3")
    return membership


@pytest.mark.parametrize("password", ["laege3laege3", "Mit-LAEGE3-kodeord", "xx-laege3-xx-12"])
def test_the_validator_refuses_any_password_containing_the_username(laege3, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, laege3.user)
    assert REFUSED in refused.value.messages


def test_a_password_without_the_username_passes(laege3):
    validate_password("korrekt-hest-batteri-42", laege3.user)


def test_adding_a_staff_member_refuses_it(world, client, login_as):
    login_as(world.member(Role.MANAGER))
    response = client.post(
        "/staff/add/",
        {
            "first_name": "Ny",
            "last_name": "Læge",
            "username": "laege9",
            "email": "",
            "role": Role.DOCTOR,
            "unit": world.unit_a.pk,
            "password": "laege9laege9",
        },
    )
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert not User.objects.filter(username="laege9").exists()


def test_changing_ones_own_password_refuses_it(laege3, client, login_as):
    login_as(laege3)
    response = client.post(
        "/profile/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "laege3laege3",
            "new_password2": "laege3laege3",
        },
    )
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    laege3.user.refresh_from_db()
    assert laege3.user.check_password(TEST_PASSWORD)


def test_the_service_refuses_it_whoever_calls(laege3):
    with pytest.raises(ValidationError):
        user_password_change(user=laege3.user, new_password="laege3laege3")
    laege3.user.refresh_from_db()
    assert laege3.user.check_password(TEST_PASSWORD)


@pytest.mark.parametrize("form_class", [AdminPasswordChangeForm, SetPasswordForm])
def test_the_django_admin_forms_refuse_it(laege3, form_class):
    """The demo's Django admin sets passwords through Django's own forms."""
    data = {"new_password1": "laege3laege3", "new_password2": "laege3laege3"}
    if form_class is AdminPasswordChangeForm:
        data = {"password1": "laege3laege3", "password2": "laege3laege3"}
    form = form_class(laege3.user, data)
    assert not form.is_valid()
    assert REFUSED in str(form.errors)


def test_the_changepassword_command_refuses_it(laege3, monkeypatch):
    answers = iter(["laege3laege3", "laege3laege3"] * 3)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: next(answers))
    with pytest.raises(Exception, match="Aborting"):
        call_command("changepassword", "laege3")
    laege3.user.refresh_from_db()
    assert laege3.user.check_password(TEST_PASSWORD)
