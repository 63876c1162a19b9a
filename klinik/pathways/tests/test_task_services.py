"""Tasks: assign to a person, a role in a unit or a unit (never to someone outside the
organisation), comment, complete, cancel, reopen, edit; every write logged; the task kind
of the work queue shows what waits for the user, their role in their unit and their unit."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.http import Http404

from klinik.audit.models import AccessLogEntry
from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import MembershipFactory
from klinik.pathways.choices import TaskPriority, TaskStatus
from klinik.pathways.errors import PathwayCode, PathwayError
from klinik.pathways.models import Task, TaskComment
from klinik.pathways.task_access import access_task
from klinik.pathways.task_selectors import task_due_cutoff, task_due_moment
from klinik.pathways.task_services import (
    task_assign,
    task_cancel,
    task_comment,
    task_complete,
    task_create,
    task_edit,
    task_reopen,
    task_take,
)
from klinik.worklist.selectors import Due, WorklistFilter, worklist_page

THURSDAY = datetime.fromisoformat("2026-11-26T09:30:00+01:00")


@pytest.fixture
def people(world):
    secretary = world.member(Role.SECRETARY)
    colleague = world.member(Role.SECRETARY)
    nurse = world.member(Role.NURSE)
    outsider = world.member(Role.SECRETARY, unit=world.unit_b)
    return {
        "secretary": secretary,
        "colleague": colleague,
        "nurse": nurse,
        "outsider": outsider,
        "actor": actor_from_membership(secretary),
    }


@pytest.fixture
def task(world, people, clock):
    clock.set(THURSDAY)
    return task_create(
        actor=people["actor"],
        title="Ring til patienten om svar",
        unit=world.unit_a,
        patient=world.patient_a,
        due=date(2026, 11, 27),
    )


def _task_ids(actor, **filters):
    page = worklist_page(actor=actor, chosen=WorklistFilter(kind="task", **filters))
    return [row.item.id for row in page.rows]


def test_assigning_to_someone_outside_the_organisation_is_refused_and_writes_nothing(
    world, people, task
):
    before = AccessLogEntry.objects.count()
    with pytest.raises(PathwayError) as refused:
        task_assign(actor=people["actor"], task=task, assignee=people["outsider"].user)
    assert refused.value.code == PathwayCode.ASSIGNEE_NOT_MEMBER
    assert refused.value.field == "assignee"
    task.refresh_from_db()
    assert task.assignee is None
    assert AccessLogEntry.objects.count() == before


def test_a_unit_of_another_organisation_is_refused(world, people, task):
    with pytest.raises(PathwayError) as refused:
        task_assign(actor=people["actor"], task=task, unit=world.unit_b)
    assert refused.value.field == "unit"
    task.refresh_from_db()
    assert task.unit == world.unit_a


def test_assign_to_a_person_a_role_and_the_unit_each_logged(world, people, task):
    actor = people["actor"]
    colleague = people["colleague"].user
    task_assign(actor=actor, task=task, assignee=colleague)
    task.refresh_from_db()
    assert (task.assignee, task.assignee_role) == (colleague, "")
    task_assign(actor=actor, task=task, assignee_role=Role.NURSE, unit=world.unit_a2)
    task.refresh_from_db()
    assert (task.assignee, task.assignee_role, task.unit) == (None, Role.NURSE, world.unit_a2)
    task_assign(actor=actor, task=task)
    task.refresh_from_db()
    assert (task.assignee, task.assignee_role) == (None, "")
    logged = AccessLogEntry.objects.filter(object_type="task", object_id=task.public_id)
    assert logged.filter(action="update").count() == 3
    assert set(logged.values_list("patient_id", flat=True)) == {world.patient_a.public_id}


def test_the_queue_shows_tasks_for_me_my_role_in_my_unit_and_my_unit(world, people, task):
    actor = people["actor"]
    nurse = actor_from_membership(people["nurse"])
    colleague = actor_from_membership(people["colleague"])
    # For the unit: everyone in the unit sees it.
    assert _task_ids(actor) == [str(task.public_id)]
    assert _task_ids(nurse) == [str(task.public_id)]
    # For the nurses of the unit: the nurse, not the secretaries.
    task_assign(actor=actor, task=task, assignee_role=Role.NURSE)
    assert _task_ids(nurse) == [str(task.public_id)]
    assert _task_ids(actor) == []
    # For a colleague: hers, also when she looks at another unit; the others do not see it.
    task_assign(actor=actor, task=task, assignee=people["colleague"].user)
    assert _task_ids(colleague) == [str(task.public_id)]
    assert _task_ids(colleague, unit_ids=frozenset({world.unit_a2.pk})) == [str(task.public_id)]
    assert _task_ids(nurse) == []
    # The person filter finds her tasks for whoever asks in the unit.
    assert _task_ids(actor, assignee_id=people["colleague"].user_id) == [str(task.public_id)]
    assert _task_ids(actor, unassigned_only=True) == []


def test_another_organisation_sees_no_task_and_gets_404(world, people, task):
    outsider = actor_from_membership(people["outsider"])
    assert _task_ids(outsider) == []
    assert _task_ids(outsider, unit_ids=frozenset({world.unit_a.pk})) == []
    with pytest.raises(Http404):
        access_task(actor=outsider, public_id=task.public_id, channel="ui")


def test_take_complete_reopen_cancel(world, people, task):
    actor = people["actor"]
    task_take(actor=actor, task=task)
    task.refresh_from_db()
    assert task.assignee == people["secretary"].user
    task_complete(actor=actor, task=task, comment="Patienten er ringet op")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.closed_by == people["secretary"].user and task.closed_at is not None
    assert list(TaskComment.objects.filter(task=task).values_list("text", flat=True)) == [
        "Patienten er ringet op"
    ]
    assert _task_ids(actor) == []  # done: no longer waiting
    with pytest.raises(PathwayError) as refused:
        task_complete(actor=actor, task=task)
    assert refused.value.code == PathwayCode.TASK_CLOSED
    task_reopen(actor=actor, task=task)
    task.refresh_from_db()
    assert (task.status, task.closed_at, task.closed_by) == (TaskStatus.OPEN, None, None)
    with pytest.raises(PathwayError):
        task_reopen(actor=actor, task=task)
    task_cancel(actor=actor, task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED


def test_a_comment_must_say_something(world, people, task):
    with pytest.raises(PathwayError) as refused:
        task_comment(actor=people["actor"], task=task, text="   ")
    assert refused.value.field == "text"
    assert not TaskComment.objects.filter(task=task).exists()
    comment = task_comment(actor=people["actor"], task=task, text="Lagt besked")
    assert comment.author == people["secretary"].user


def test_edit_keeps_what_is_not_given(world, people, task):
    actor = people["actor"]
    task_edit(actor=actor, task=task, priority=TaskPriority.HIGH)
    task.refresh_from_db()
    assert (task.priority, task.due, task.title) == (
        TaskPriority.HIGH,
        date(2026, 11, 27),
        "Ring til patienten om svar",
    )
    task_edit(actor=actor, task=task, due=None)
    task.refresh_from_db()
    assert task.due is None
    with pytest.raises(PathwayError) as refused:
        task_edit(actor=actor, task=task, title=" ")
    assert refused.value.field == "title"


def test_a_role_without_task_work_may_not_assign(world, task):
    manager = actor_from_membership(MembershipFactory(role=Role.MANAGER, unit=world.unit_a))
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        task_take(actor=manager, task=task)
    assert Task.objects.get(pk=task.pk).assignee is None


def test_a_task_is_overdue_once_its_day_is_over(world, people, task, clock):
    actor = people["actor"]
    page = worklist_page(actor=actor, chosen=WorklistFilter(kind="task"))
    assert page.rows[0].item.due == task_due_moment(date(2026, 11, 27))
    assert page.rows[0].item.is_all_day
    assert _task_ids(actor, due=Due.TODAY) == []
    assert _task_ids(actor, due=Due.WEEK) == [str(task.public_id)]
    clock.set(datetime.fromisoformat("2026-11-27T23:00:00+01:00"))
    assert _task_ids(actor, due=Due.TODAY) == [str(task.public_id)]
    assert _task_ids(actor, due=Due.OVERDUE) == []
    clock.set(datetime.fromisoformat("2026-11-28T00:00:01+01:00"))
    assert _task_ids(actor, due=Due.OVERDUE) == [str(task.public_id)]
    assert worklist_page(actor=actor).rows[0].is_overdue


def test_the_due_cutoff_across_the_summer_time_night():
    night = datetime.fromisoformat("2026-10-25T02:30:00+02:00")
    assert task_due_cutoff(night) == date(2026, 10, 24)
    assert task_due_moment(date(2026, 10, 25)).isoformat() == "2026-10-25T23:59:59+01:00"
