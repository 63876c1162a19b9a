"""Issue 11.4, online: consent to SMS and e-mail asked where the visitor gives their number
and address, stored on a new patient, stored on an existing one only for the number or
address already registered (anything else is left to the reception), and the confirm step
and the done page say whether a confirmation will be sent, how, or why not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from klinik.patients.models import Patient, PatientChange
from klinik.scheduling.hooks import NOTICE_ROUTE
from klinik.scheduling.online.errors import OnlineError
from klinik.scheduling.online.notices import REASONS, Why
from klinik.scheduling.tests.factories import at, clinic_create, next_workday
from klinik.scheduling.tests.test_online import _book_url, _booked, _identify, _key


@pytest.fixture
def day():
    return next_workday()


@pytest.fixture
def clock(clock, day):
    clock.set(at(day, 8) - timedelta(days=2))
    return clock


@pytest.fixture
def clinic(world, clock):
    return clinic_create(world.unit_a)


@pytest.fixture
def registered(world):
    """Alma, registered with a mobile number and no consent to messages."""
    patient = world.patient_a
    patient.phone = "11112222"
    patient.email = ""
    patient.consent_sms = patient.consent_email = False
    patient.save()
    return patient


def _as(patient: Patient) -> dict[str, str]:
    return {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "cpr": patient.cpr,
    }


def _da(msgid: str, **values: str) -> str:
    with translation.override("da"):
        return escape(gettext(msgid) % values)


def _sms_to(address: str) -> str:
    return _da("You will get a confirmation by SMS to %(address)s.", address=address)


def _no_confirmation(why: Why) -> str:
    with translation.override("da"):
        reason = str(REASONS[why])
    return _da("We will not send a confirmation, because %(reason)s.", reason=reason)


def _confirm(client, clinic, confirm):
    return client.post(_book_url(clinic, "confirm/"), {"pending": confirm.context["pending"]})


# A new patient ----------------------------------------------------------------------------------


def test_a_new_patient_who_says_yes_to_sms_is_registered_with_it_and_told_where(
    clinic, client, day
):
    confirm = _identify(client, clinic, at(day, 10), consent_sms="on")
    assert confirm.status_code == 200
    assert _sms_to("20 30 40 50") in confirm.content.decode()
    response = _confirm(client, clinic, confirm)
    appointment = _booked(response)
    assert "why=" not in response["Location"]
    patient = appointment.patient
    assert (patient.consent_sms, patient.consent_email) == (True, False)
    done = client.get(response["Location"]).content.decode()
    # The link's page shows no contact details in full: the number's last digits only.
    assert _sms_to(_da("the number ending in %(last)s", last="50")) in done
    assert "20304050" not in done and "20 30 40 50" not in done


def test_a_new_patient_who_says_yes_to_e_mail_is_told_so(clinic, client, day):
    confirm = _identify(
        client,
        clinic,
        at(day, 10),
        phone="",
        email="mette@example.com",
        consent_email="on",
    )
    assert (
        _da("You will get a confirmation by e-mail to %(address)s.", address="mette@example.com")
        in confirm.content.decode()
    )
    response = _confirm(client, clinic, confirm)
    assert _booked(response).patient.consent_email is True
    done = client.get(response["Location"]).content.decode()
    assert (
        _da("You will get a confirmation by e-mail to %(address)s.", address="m…@example.com")
        in done
    )


def test_a_new_patient_who_says_no_is_told_that_no_confirmation_will_be_sent(clinic, client, day):
    confirm = _identify(client, clinic, at(day, 10))
    assert _no_confirmation(Why.NO_CONSENT) in confirm.content.decode()
    response = _confirm(client, clinic, confirm)
    patient = _booked(response).patient
    assert (patient.consent_sms, patient.consent_email) == (False, False)
    done = client.get(response["Location"]).content.decode()
    assert _no_confirmation(Why.NO_CONSENT) in done


def test_a_yes_without_a_number_or_address_is_refused_at_the_field(clinic, client, day):
    sms = _identify(client, clinic, at(day, 10), phone="", email="m@example.com", consent_sms="on")
    assert sms.status_code == 400
    with translation.override("da"):
        assert sms.context["form"].errors["phone"] == [str(OnlineError.CONSENT_SMS_NO_PHONE)]
    email = _identify(client, clinic, at(day, 10), consent_email="on")
    assert email.status_code == 400
    with translation.override("da"):
        assert email.context["form"].errors["email"] == [str(OnlineError.CONSENT_EMAIL_NO_ADDRESS)]


def test_the_consent_boxes_sit_by_the_number_and_the_address(clinic, client, day):
    page = client.get(_book_url(clinic, f"details/?start={_key(at(day, 10))}"))
    body = page.content.decode()
    assert body.index('id="id_phone"') < body.index('id="id_consent_sms"')
    assert body.index('id="id_consent_sms"') < body.index('id="id_email"')
    assert body.index('id="id_email"') < body.index('id="id_consent_email"')
    assert 'for="id_consent_sms"' in body and 'for="id_consent_email"' in body


# An existing patient ----------------------------------------------------------------------------


def test_a_yes_to_the_registered_number_is_stored_at_once(registered, clinic, client, day):
    confirm = _identify(
        client, clinic, at(day, 10), phone="11 11 22 22", consent_sms="on", **_as(registered)
    )
    assert confirm.context["identity"].patient_id == str(registered.public_id)
    assert _sms_to("11 11 22 22") in confirm.content.decode()
    appointment = _booked(_confirm(client, clinic, confirm))
    assert appointment.patient_id == registered.pk
    registered.refresh_from_db()
    assert registered.consent_sms is True
    change = PatientChange.objects.get(patient=registered, field="consent_sms")
    assert (change.old_value, change.new_value) == ("False", "True")
    assert change.reason
    assert appointment.note == ""


def test_a_yes_to_another_number_is_left_to_the_reception(registered, clinic, client, day):
    confirm = _identify(
        client, clinic, at(day, 10), phone="33334444", consent_sms="on", **_as(registered)
    )
    body = confirm.content.decode()
    assert _no_confirmation(Why.NOT_REGISTERED) in body
    assert "11112222" not in body and "11 11 22 22" not in body
    response = _confirm(client, clinic, confirm)
    appointment = _booked(response)
    registered.refresh_from_db()
    assert (registered.phone, registered.consent_sms) == ("11112222", False)
    assert "33334444" in appointment.note
    assert _da("phone %(phone)s, yes to SMS", phone="33334444") in escape(appointment.note)
    done = client.get(response["Location"]).content.decode()
    assert _no_confirmation(Why.NOT_REGISTERED) in done


def test_the_registered_number_is_never_shown_in_full(registered, clinic, client, day):
    registered.consent_sms = True
    registered.save()
    confirm = _identify(client, clinic, at(day, 10), phone="33334444", **_as(registered))
    body = confirm.content.decode()
    assert _sms_to(_da("the number ending in %(last)s", last="22")) in body
    assert "11112222" not in body and "11 11 22 22" not in body


def test_without_an_outbox_nothing_is_promised(clinic, client, day, monkeypatch):
    monkeypatch.setattr(NOTICE_ROUTE, "items", [])
    confirm = _identify(client, clinic, at(day, 10), consent_sms="on")
    assert confirm.status_code == 200
    assert 'id="notice-route"' not in confirm.content.decode()
    response = _confirm(client, clinic, confirm)
    assert 'id="notice-route"' not in client.get(response["Location"]).content.decode()
