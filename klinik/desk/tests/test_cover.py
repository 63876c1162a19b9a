"""Who can cover a task on a day (issue 17 item 6): the people the register allows (a doctor,
a delegation to the person or their role in the unit, a competence level), with their hours
and absences in the calendar that day; revoked and expired delegations do not count; another
organisation's people never appear; only staff managers see the screen."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time

import pytest

from klinik.core.choices import Role
from klinik.scheduling.availability import LOCAL
from klinik.scheduling.choices import AbsenceKind, ResourceKind
from klinik.scheduling.models import Absence, Resource, UnitSchedule, WorkingHours
from klinik.staff.models import Competence, PersonCompetence
from klinik.staff.tests.factories import delegation_grant

THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=LOCAL)
FRIDAY = dt.date(2026, 11, 27)


def _works(member, *, weekday: int = 4) -> Resource:
    unit = member.unit
    UnitSchedule.objects.get_or_create(
        unit=unit, defaults={"organisation_id": unit.organisation_id}
    )
    resource = Resource.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        kind=ResourceKind.PRACTITIONER,
        name=member.user.username,
        user=member.user,
    )
    WorkingHours.objects.create(
        organisation_id=unit.organisation_id,
        resource=resource,
        weekday=weekday,
        start=time(8),
        end=time(15, 30),
    )
    return resource


@pytest.fixture
def staff(world, clock):
    clock.set(THURSDAY)
    people = {
        "manager": world.member(Role.MANAGER, user__username="chef"),
        "doctor": world.member(Role.DOCTOR, user__username="laege1"),
        "nurse": world.member(Role.NURSE, user__username="sypl1"),
        "nurse2": world.member(Role.NURSE, user__username="sypl2"),
        "secretary": world.member(Role.SECRETARY, user__username="sek1"),
        "other_nurse": world.member(Role.NURSE, unit=world.unit_b, user__username="b-syp"),
    }
    for who in ("doctor", "nurse", "nurse2", "secretary", "other_nurse"):
        _works(people[who])
    return people


def _rows(client, task: str, day: dt.date = FRIDAY) -> dict[str, str]:
    page = client.get("/daekning/", {"task": task, "day": day.strftime("%d.%m.%Y")})
    assert page.status_code == 200, page.content.decode()[-1500:]
    html = page.content.decode()
    found = {}
    for chunk in html.split('<tr id="cover-')[1:]:
        username, rest = chunk.split('"', 1)
        found[username] = rest.split('data-status="', 1)[1].split('"', 1)[0]
    return found


def test_who_may_vaccinate_tomorrow(world, client, login_as, staff):
    delegation_grant(doctor=staff["doctor"], delegate=staff["nurse"].user)
    delegation_grant(doctor=staff["doctor"], delegate=staff["nurse2"].user)
    delegation_grant(doctor=staff["doctor"], delegate=staff["other_nurse"].user)  # wrong org
    Absence.objects.create(
        organisation_id=world.org_a.pk,
        unit=world.unit_a,
        resource=Resource.objects.get(user=staff["nurse2"].user),
        kind=AbsenceKind.VACATION,
        start=datetime.combine(FRIDAY, time(0), tzinfo=LOCAL),
        end=datetime.combine(FRIDAY, time(23, 59), tzinfo=LOCAL),
    )
    login_as(staff["manager"])
    page = client.get("/daekning/")
    assert page.status_code == 200 and b'id="cover-form"' in page.content
    rows = _rows(client, "delegated:vaccination")
    assert rows == {"laege1": "available", "sypl1": "available", "sypl2": "absent"}
    html = client.get("/daekning/", {"task": "delegated:vaccination", "day": "27.11.2026"})
    assert "08:00-15:30" in html.content.decode()
    # Saturday: nobody has hours.
    assert set(_rows(client, "delegated:vaccination", FRIDAY + dt.timedelta(days=1)).values()) == {
        "off"
    }


def test_a_role_delegation_and_its_limits(world, client, login_as, staff):
    delegation_grant(
        doctor=staff["doctor"], role=Role.SECRETARY, unit=world.unit_a, task="blood_sampling"
    )
    delegation_grant(
        doctor=staff["doctor"],
        delegate=staff["nurse"].user,
        task="blood_sampling",
        valid_to=FRIDAY - dt.timedelta(days=1),  # ends the day before
    )
    login_as(staff["manager"])
    assert set(_rows(client, "delegated:blood_sampling")) == {"laege1", "sek1"}


def test_a_delegation_revoked_from_tomorrow_does_not_cover_tomorrow(world, client, login_as, staff):
    delegation = delegation_grant(doctor=staff["doctor"], delegate=staff["nurse"].user)
    delegation.revoked_at = THURSDAY
    delegation.revoked_on = FRIDAY
    delegation.revoked_by = staff["doctor"].user
    delegation.revoke_reason = "Flytter afdeling"
    delegation.save()
    login_as(staff["manager"])
    assert "sypl1" not in _rows(client, "delegated:vaccination")
    assert "sypl1" in _rows(client, "delegated:vaccination", FRIDAY - dt.timedelta(days=1))


def test_by_competence_level(world, client, login_as, staff):
    competence = Competence.objects.get(code="administration", organisation=None)
    for who, level in (("secretary", "expert"), ("nurse", "beginner")):
        PersonCompetence.objects.create(
            organisation=world.org_a,
            user=staff[who].user,
            competence=competence,
            level=level,
            assessed_on=FRIDAY - dt.timedelta(days=100),
            changed_by=staff["manager"].user,
        )
    login_as(staff["manager"])
    page = client.get("/daekning/", {"task": "competence:administration", "day": "27.11.2026"})
    html = page.content.decode()
    assert html.index('id="cover-sek1"') < html.index('id="cover-sypl1"')  # the expert first
    assert "laege1" not in html


def test_only_staff_managers_see_the_screen(world, client, login_as, staff):
    login_as(staff["nurse"])
    assert client.get("/daekning/").status_code == 403
