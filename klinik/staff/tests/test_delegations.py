"""The delegation register: a doctor delegates a task under an instruction, over the API and
the screen; bad input and the unauthorised are refused with nothing written; recording a
vaccination given by a nurse needs a delegation valid on the day, to her or to her role in the
unit; another organisation sees none of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from klinik.api.tests.helpers import ApiClient
from klinik.audit.choices import Action
from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.records.models import Vaccination
from klinik.staff.models import Delegation
from klinik.staff.tests.factories import (
    authorisation_give,
    delegation_grant,
    instruction_make,
)


@pytest.fixture
def people(world):
    doctor = world.member(Role.DOCTOR)
    authorisation_give(doctor)
    instruction_make(doctor=doctor, title="Instruks for vaccination af voksne")
    other_doctor = world.member(Role.DOCTOR, unit=world.unit_b)
    authorisation_give(other_doctor, "0TST2")
    return {
        "doctor": doctor,
        "nurse": world.member(Role.NURSE),
        "secretary": world.member(Role.SECRETARY),
        "manager": world.member(Role.MANAGER),
        "other_nurse": world.member(Role.NURSE, unit=world.unit_b),
        "other_doctor": other_doctor,
    }


def _body(people, **overrides):
    today = timezone.localdate()
    data = {
        "delegate": people["nurse"].user.username,
        "task": "vaccination",
        "instruction": "Instruks for vaccination af voksne",
        "valid_from": today.isoformat(),
        "valid_to": (today + dt.timedelta(days=365)).isoformat(),
    }
    return data | overrides


def test_a_doctor_delegates_vaccination_to_a_nurse_over_the_api(world, client, people):
    api = ApiClient(client, people["doctor"])
    response = api.post("/delegations", _body(people))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["delegator"], body["delegate"], body["task"]) == (
        people["doctor"].user.username,
        people["nurse"].user.username,
        "vaccination",
    )
    assert body["instruction"] == "Instruks for vaccination af voksne"
    assert body["instruction_version"] == 1
    assert AccessLogEntry.objects.filter(action=Action.STAFF_CHANGE, object_id=body["id"]).exists()
    listed = api.get("/delegations").json()
    assert [d["id"] for d in listed] == [body["id"]]
    # Organisation B sees nothing of A's register.
    assert ApiClient(client, people["other_doctor"]).get("/delegations").json() == []


def test_only_an_authorised_person_may_delegate(world, client, people):
    for who in ("nurse", "secretary", "manager"):
        response = ApiClient(client, people[who]).post("/delegations", _body(people))
        assert response.status_code == 403, who
        assert response.json()["code"] == "not_authorised"
    assert not Delegation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"task": "prescribing"}, "task", "not_delegable"),
        ({"task": "juggling"}, "task", "unknown_task"),
        ({"valid_to": "2000-01-01"}, "valid_to", "end_before_start"),
        ({"instruction": "Findes ikke"}, "instruction", "unknown_instruction"),
        ({"delegate": "ingen-saadan"}, "delegate", "invalid"),
        ({"valid_from": "0001-01-01"}, "valid_from", "invalid"),
    ],
)
def test_bad_delegations_are_422_naming_the_field(world, client, people, overrides, field, code):
    response = ApiClient(client, people["doctor"]).post("/delegations", _body(people, **overrides))
    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(f"{field}:")
    assert response.json()["code"] == code
    assert not Delegation.objects.exists()


def test_a_delegate_outside_the_organisation_is_refused(world, client, people):
    response = ApiClient(client, people["doctor"]).post(
        "/delegations", _body(people, delegate=people["other_nurse"].user.username)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "delegate_not_member"
    assert not Delegation.objects.exists()


# Enforcement on vaccinations ---------------------------------------------------------------


def _vaccinate(client, membership, patient, given_by, given_on=None):
    return ApiClient(client, membership).post(
        f"/patients/{patient.public_id}/vaccinations",
        {
            "vaccine": "Influvac Tetra",
            "atc_code": "J07BB02",
            "batch_number": "AB1234",
            "dose": "0,5 ml",
            "site": "left_deltoid",
            "given_on": (given_on or timezone.localdate()).isoformat(),
            "given_by": str(given_by.user.public_id),
        },
    )


def test_a_nurse_needs_a_delegation_valid_on_the_day(world, client, people):
    nurse, patient = people["nurse"], world.patient_a
    refused = _vaccinate(client, nurse, patient, nurse)
    assert refused.status_code == 422
    assert refused.json()["code"] == "no_delegation"
    assert refused.json()["detail"].startswith("given_by:")
    assert not Vaccination.objects.exists()

    today = timezone.localdate()
    delegation_grant(
        doctor=people["doctor"], delegate=nurse.user, valid_from=today - dt.timedelta(days=10)
    )
    assert _vaccinate(client, nurse, patient, nurse).status_code == 201
    # Before the delegation began: refused.
    early = _vaccinate(client, nurse, patient, nurse, today - dt.timedelta(days=20))
    assert early.status_code == 422 and early.json()["code"] == "no_delegation"
    # A secretary without a delegation is refused; a doctor needs none.
    secretary = _vaccinate(client, nurse, patient, people["secretary"])
    assert secretary.json()["code"] == "no_delegation"
    assert _vaccinate(client, nurse, patient, people["doctor"]).status_code == 201
    assert Vaccination.objects.count() == 2


def test_a_delegation_to_a_role_in_a_unit_covers_its_holders_there_only(world, client, people):
    delegation_grant(doctor=people["doctor"], role=Role.SECRETARY, unit=world.unit_a)
    secretary_a2 = world.member(Role.SECRETARY, unit=world.unit_a2)
    patient = world.patient_a
    assert _vaccinate(client, people["nurse"], patient, people["secretary"]).status_code == 201
    refused = _vaccinate(client, people["nurse"], patient, secretary_a2)
    assert refused.json()["code"] == "no_delegation"


def test_an_expired_delegation_no_longer_covers(world, client, people):
    today = timezone.localdate()
    delegation_grant(
        doctor=people["doctor"],
        delegate=people["nurse"].user,
        valid_from=today - dt.timedelta(days=100),
        valid_to=today - dt.timedelta(days=1),
    )
    refused = _vaccinate(client, people["nurse"], world.patient_a, people["nurse"])
    assert refused.json()["code"] == "no_delegation"


def test_another_organisations_delegation_does_not_count(world, client, people):
    delegation_grant(doctor=people["other_doctor"], delegate=people["nurse"].user)
    refused = _vaccinate(client, people["nurse"], world.patient_a, people["nurse"])
    assert refused.json()["code"] == "no_delegation"


# Screens -----------------------------------------------------------------------------------


def test_a_doctor_delegates_on_the_register_screen(world, client, login_as, people):
    from klinik.staff.models import Instruction

    login_as(people["doctor"])
    page = client.get("/staff/delegations/")
    assert page.status_code == 200 and b'id="delegation-form"' in page.content
    instruction = Instruction.objects.get(title="Instruks for vaccination af voksne")
    response = client.post(
        "/staff/delegations/",
        {
            "delegate": people["nurse"].pk,
            "task": "vaccination",
            "instruction": instruction.pk,
            "valid_from": timezone.localdate().strftime("%d.%m.%Y"),
            "valid_to": "",
            "review_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    delegation = Delegation.objects.get()
    assert delegation.delegate == people["nurse"].user
    assert delegation.unit == world.unit_a
    listing = client.get("/staff/delegations/").content.decode()
    assert "Instruks for vaccination af voksne" in listing


def test_the_register_screen_refuses_an_end_before_the_start(world, client, login_as, people):
    from klinik.staff.models import Instruction

    login_as(people["doctor"])
    instruction = Instruction.objects.get()
    response = client.post(
        "/staff/delegations/",
        {
            "delegate": people["nurse"].pk,
            "task": "vaccination",
            "instruction": instruction.pk,
            "valid_from": "10.11.2026",
            "valid_to": "01.11.2026",
        },
    )
    assert response.status_code == 400
    assert not Delegation.objects.exists()


def test_a_nurse_sees_the_register_without_the_form(world, client, login_as, people):
    login_as(people["nurse"])
    page = client.get("/staff/delegations/")
    assert page.status_code == 200 and b'id="delegation-form"' not in page.content


def test_instructions_are_added_versioned_and_read_confirmed(world, client, login_as, people):
    from klinik.staff.models import Instruction, InstructionRead

    login_as(people["doctor"])
    response = client.post(
        "/staff/instructions/",
        {
            "title": "Instruks for blodprøvetagning",
            "text": "Trin 1 ...",
            "valid_from": "01.11.2026",
        },
    )
    assert response.status_code == 302
    instruction = Instruction.objects.get(title="Instruks for blodprøvetagning")
    url = f"/staff/instructions/{instruction.public_id}/"
    assert (
        client.post(url, {"text": "Trin 1 og 2 ...", "valid_from": "20.11.2026"}).status_code == 302
    )
    assert list(instruction.versions.values_list("number", flat=True).order_by("number")) == [1, 2]
    client.post(f"{url}read/")
    assert InstructionRead.objects.get(user=people["doctor"].user).version.number == 2
    assert b'id="read-confirmed"' in client.get(url).content
    # Another organisation's people do not find it.
    client.post("/logout/")
    login_as(people["other_doctor"])
    assert client.get(url).status_code == 404
    assert client.post(f"{url}read/").status_code == 404


# Renewal reminders on the work queue ---------------------------------------------------------


def test_a_delegation_running_out_waits_on_the_doctors_queue_until_renewed(world, client, people):
    today = timezone.localdate()
    ending = delegation_grant(
        doctor=people["doctor"],
        delegate=people["nurse"].user,
        valid_from=today - dt.timedelta(days=300),
        valid_to=today + dt.timedelta(days=10),
    )
    delegation_grant(  # a year ahead: nothing to do yet
        doctor=people["doctor"],
        delegate=people["secretary"].user,
        valid_from=today - dt.timedelta(days=1),
        valid_to=today + dt.timedelta(days=365),
    )
    api = ApiClient(client, people["doctor"])
    items = api.get("/worklist", kind="delegation").json()
    assert [i["id"] for i in items] == [str(ending.public_id)]
    assert items[0]["kind"] == "delegation" and not items[0]["overdue"]
    assert api.get("/worklist", kind="delegation", assignee="me").json()[0]["id"] == str(
        ending.public_id
    )
    # Organisation B's queue does not show it.
    other = ApiClient(client, people["other_doctor"]).get("/worklist", kind="delegation")
    assert other.json() == []
    # Renewed: the reminder goes.
    delegation_grant(
        doctor=people["doctor"],
        delegate=people["nurse"].user,
        valid_from=today + dt.timedelta(days=11),
        valid_to=today + dt.timedelta(days=400),
    )
    assert api.get("/worklist", kind="delegation").json() == []
