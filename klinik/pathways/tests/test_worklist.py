"""Pathways' kinds on the work queue: referrals waiting for visitation (most urgent deadline
first), deadlines within the warning (the unit's setting, the organisation's, 3 working days)
and breached, never another organisation's, at most `limit` rows, without an assignee."""

from __future__ import annotations

from datetime import datetime

import pytest

from klinik.core.choices import Role
from klinik.core.worklist import WorkQuery, work_kinds
from klinik.pathways.models import Deadline, PathwaySettings, Referral, Task
from klinik.pathways.referral_services import referral_receive, referral_visitate
from klinik.pathways.worklist import DEADLINE_KIND, REFERRAL_KIND
from klinik.scheduling.availability import LOCAL


@pytest.fixture
def actor(world, actor_for, secretary):
    return actor_for(secretary)


def _receive(actor, world, when, patient=None, unit=None, rights=("udredningsret",), **extra):
    return referral_receive(
        actor=actor,
        patient=patient or world.patient_a,
        unit=unit or world.unit_a,
        received_at=when,
        referrer_name="Lægerne i Byen",
        reason="Udredning",
        priority=extra.pop("priority", "planlagt"),
        rights=list(rights),
        **extra,
    )


def _query(*units, **extra):
    return WorkQuery(unit_ids=frozenset(u.pk for u in units), limit=50, **extra)


def test_the_kinds_are_registered_for_those_who_may_see_them(world, actor, actor_for):
    assert {"referral", "deadline"} <= {k.key for k in work_kinds(actor)}
    manager_less = actor_for(world.member(Role.LAB_TECHNICIAN))
    assert not {"referral", "deadline"} & {k.key for k in work_kinds(manager_less)}


def test_referrals_wait_most_urgent_first_and_only_the_actors(world, actor, actor_for, clock):
    clock.set(datetime(2025, 12, 18, 10, 0, tzinfo=LOCAL))
    late = _receive(actor, world, datetime(2025, 12, 18, 9, 0, tzinfo=LOCAL))
    early = _receive(actor, world, datetime(2025, 12, 10, 9, 0, tzinfo=LOCAL))
    other_actor = actor_for(world.member(Role.SECRETARY, unit=world.unit_b))
    _receive(other_actor, world, datetime(2025, 12, 1, 9, 0, tzinfo=LOCAL), patient=world.patient_b,
             unit=world.unit_b)  # fmt: skip
    items = REFERRAL_KIND.items_of(actor, _query(world.unit_a, world.unit_b))
    assert [i.id for i in items] == [str(early.public_id), str(late.public_id)]
    assert items[0].patient_id == world.patient_a.pk and items[0].url.endswith("/")
    assert REFERRAL_KIND.count_of(actor, _query(world.unit_a, world.unit_b)) == 2
    assert REFERRAL_KIND.items_of(actor, _query(world.unit_a, assignee_id=actor.user.pk)) == []
    first = WorkQuery(unit_ids=frozenset({world.unit_a.pk}), limit=1)
    assert len(REFERRAL_KIND.items_of(actor, first)) == 1


def test_visitated_referrals_leave_the_queue(world, actor, actor_for, clock):
    clock.set(datetime(2025, 12, 18, 10, 0, tzinfo=LOCAL))
    referral = _receive(actor, world, datetime(2025, 12, 18, 9, 0, tzinfo=LOCAL))
    doctor = actor_for(world.member(Role.DOCTOR))
    referral_visitate(actor=doctor, referral=referral, decision="accept")
    assert REFERRAL_KIND.items_of(actor, _query(world.unit_a)) == []


def test_deadlines_within_the_warning_and_breached_are_shown(world, actor, clock):
    clock.set(datetime(2025, 12, 1, 10, 0, tzinfo=LOCAL))
    referral = _receive(actor, world, datetime(2025, 12, 1, 9, 0, tzinfo=LOCAL))
    # The tell-the-patient deadline (11 Dec) has its own task: the task is the item.
    Task.objects.filter(referral=referral).update(status="done")
    clock.set(datetime(2025, 12, 5, 10, 0, tzinfo=LOCAL))  # Friday; 3 working days: Wednesday
    assert [i.detail for i in DEADLINE_KIND.items_of(actor, _query(world.unit_a))] == []
    clock.set(datetime(2025, 12, 9, 10, 0, tzinfo=LOCAL))  # Tuesday -> Friday 12 Dec
    items = DEADLINE_KIND.items_of(actor, _query(world.unit_a))
    assert [i.detail for i in items] == ["udredningsret-besked"]
    assert not items[0].is_overdue(datetime(2025, 12, 11, 23, 0, tzinfo=LOCAL))
    assert items[0].is_overdue(datetime(2025, 12, 12, 0, 0, 1, tzinfo=LOCAL))
    clock.set(datetime(2026, 1, 5, 10, 0, tzinfo=LOCAL))  # both breached
    assert {i.detail for i in DEADLINE_KIND.items_of(actor, _query(world.unit_a))} == {
        "udredningsret-besked",
        "udredningsret",
    }


def test_the_warning_is_a_setting_per_unit_or_organisation(world, actor, clock):
    clock.set(datetime(2025, 12, 1, 10, 0, tzinfo=LOCAL))
    referral = _receive(actor, world, datetime(2025, 12, 1, 9, 0, tzinfo=LOCAL))
    Task.objects.filter(referral=referral).update(status="done")
    clock.set(datetime(2025, 12, 1, 11, 0, tzinfo=LOCAL))  # 11 Dec is 8 working days ahead
    assert DEADLINE_KIND.items_of(actor, _query(world.unit_a)) == []
    PathwaySettings.objects.create(organisation=world.org_a, warning_working_days=8)
    assert len(DEADLINE_KIND.items_of(actor, _query(world.unit_a))) == 1
    PathwaySettings.objects.create(
        organisation=world.org_a, unit=world.unit_a, warning_working_days=2
    )
    assert DEADLINE_KIND.items_of(actor, _query(world.unit_a)) == []


def test_an_open_rule_task_stands_for_its_deadline(world, actor, clock):
    clock.set(datetime(2025, 12, 1, 10, 0, tzinfo=LOCAL))
    _receive(actor, world, datetime(2025, 12, 1, 9, 0, tzinfo=LOCAL))
    clock.set(datetime(2025, 12, 12, 10, 0, tzinfo=LOCAL))  # besked breached, its task open
    assert [i.detail for i in DEADLINE_KIND.items_of(actor, _query(world.unit_a))] == []
    assert Deadline.objects.filter(rule__code="udredningsret-besked").get().task is not None
    assert Referral.objects.get().next_due is not None
