"""The instructions library (issue 17 item 8): who has confirmed reading the current version,
per instruction (its page, for the owner and the managers) and per person (the overview);
review dates remind the owner on the work queue until a review is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from klinik.api.tests.helpers import ApiClient
from klinik.core.choices import Role
from klinik.staff.models import InstructionRead, InstructionVersion
from klinik.staff.tests.factories import instruction_make


@pytest.fixture
def people(world):
    return {
        "doctor": world.member(Role.DOCTOR, user__username="ejer"),
        "nurse": world.member(Role.NURSE, user__username="laeser"),
        "secretary": world.member(Role.SECRETARY, user__username="ikke-laest"),
        "manager": world.member(Role.MANAGER, user__username="chef"),
        "other_manager": world.member(Role.MANAGER, unit=world.unit_b, user__username="b-chef"),
    }


def _read(instruction, member, number: int) -> None:
    InstructionRead.objects.create(
        organisation=instruction.organisation,
        version=instruction.versions.get(number=number),
        user=member.user,
        read_at=timezone.now(),
    )


def test_read_confirmations_per_instruction_and_per_person(world, client, login_as, people):
    vaccination = instruction_make(doctor=people["doctor"], title="Instruks for vaccination")
    blood = instruction_make(doctor=people["doctor"], title="Instruks for blodprøver")
    InstructionVersion.objects.create(
        organisation=world.org_a,
        instruction=blood,
        number=2,
        text="Ny",
        valid_from=timezone.localdate(),
        created_by=people["doctor"].user,
    )
    _read(vaccination, people["nurse"], 1)
    _read(blood, people["nurse"], 1)  # an older version: not the current one
    login_as(people["manager"])
    page = client.get("/staff/instructions/reads/").content.decode()
    nurse_row = page.split('id="reads-laeser"')[1].split("</tr>")[0]
    assert nurse_row.count('data-read="1"') == 1 and "v1" in nurse_row  # read v1 of blood
    secretary_row = page.split('id="reads-ikke-laest"')[1].split("</tr>")[0]
    assert secretary_row.count('data-read="0"') == 2
    assert "b-chef" not in page
    detail = client.get(f"/staff/instructions/{vaccination.public_id}/").content.decode()
    assert 'id="reader-laeser" data-read="1"' in detail
    assert 'id="reader-ikke-laest" data-read="0"' in detail
    client.post("/logout/")
    # Staff who neither own it nor manage see their own confirmation only.
    login_as(people["secretary"])
    assert client.get("/staff/instructions/reads/").status_code == 403
    detail = client.get(f"/staff/instructions/{vaccination.public_id}/").content.decode()
    assert 'id="reader-table"' not in detail
    client.post("/logout/")
    login_as(people["other_manager"])
    assert (
        "Instruks for vaccination" not in client.get("/staff/instructions/reads/").content.decode()
    )


def test_a_review_date_reminds_the_owner_until_reviewed(world, client, login_as, people):
    today = timezone.localdate()
    instruction = instruction_make(doctor=people["doctor"], title="Instruks for spirometri")
    instruction.review_on = today + dt.timedelta(days=10)
    instruction.save()
    later = instruction_make(doctor=people["doctor"], title="Instruks for EKG")
    later.review_on = today + dt.timedelta(days=200)  # not yet
    later.save()
    owner = ApiClient(client, people["doctor"])
    items = owner.get("/worklist", kind="instruction").json()
    assert [i["id"] for i in items] == [str(instruction.public_id)]
    assert ApiClient(client, people["manager"]).get("/worklist", kind="instruction").json()
    assert ApiClient(client, people["secretary"]).get("/worklist", kind="instruction").json() == []
    assert (
        ApiClient(client, people["other_manager"]).get("/worklist", kind="instruction").json() == []
    )
    login_as(people["doctor"])
    url = f"/staff/instructions/{instruction.public_id}/"
    response = client.post(
        url,
        {"action": "review", "review_on": (today + dt.timedelta(days=365)).strftime("%d.%m.%Y")},
    )
    assert response.status_code == 302
    instruction.refresh_from_db()
    assert (instruction.reviewed_on, instruction.review_on) == (
        today,
        today + dt.timedelta(days=365),
    )
    assert owner.get("/worklist", kind="instruction").json() == []


def test_only_the_owner_or_a_manager_records_a_review(world, client, login_as, people):
    instruction = instruction_make(doctor=people["doctor"], title="Instruks for injektion")
    login_as(people["nurse"])
    url = f"/staff/instructions/{instruction.public_id}/"
    client.post(url, {"action": "review", "review_on": ""})
    instruction.refresh_from_db()
    assert instruction.reviewed_on is None
