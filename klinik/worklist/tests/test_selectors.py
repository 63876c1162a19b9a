"""The work queue's page: every kind the actor may see, merged by urgency, the patients named
in one query, the opening logged once; filters; two organisations kept apart."""

from __future__ import annotations

from datetime import datetime

import pytest

from klinik.audit.models import AccessLogEntry
from klinik.core.hooks import hook_registered
from klinik.core.services import actor_from_membership
from klinik.core.worklist import WORK_KINDS, WorkItem, WorkKind, work_kinds
from klinik.records.choices import DictationPriority
from klinik.records.tests.factories import record_world_create
from klinik.worklist.selectors import (
    Due,
    WorklistFilter,
    due_before,
    worklist_counts,
    worklist_page,
)
from klinik.worklist.tests.factories import (
    THURSDAY,
    dictation_due,
    entry_to_sign,
    hours,
    message_failed,
)


@pytest.fixture
def rw(world):
    return record_world_create(world)


@pytest.fixture
def queue(rw, clock):
    """At Thursday 09:30: an urgent dictation due at 11:30, a normal one due Friday 15:30,
    a message that failed at 08:30, an entry waiting for the doctor's approval; then the
    clock moves to 12:30 (the urgent dictation is overdue)."""
    clock.set(THURSDAY)
    doctor = rw.doctor_actor
    urgent = dictation_due(
        doctor, rw.patient, THURSDAY + hours(2), priority=DictationPriority.URGENT
    )
    later = dictation_due(doctor, rw.patient, THURSDAY + hours(30))
    failed = message_failed(rw.patient, THURSDAY - hours(1))
    entry = entry_to_sign(rw.secretary_actor, rw.patient, rw.doctor.user)
    clock.set(THURSDAY + hours(3))
    return {"urgent": urgent, "later": later, "failed": failed, "entry": entry}


def _keys(page):
    return [(row.item.kind, row.item.id) for row in page.rows]


def test_the_page_merges_every_kind_by_urgency_with_the_patient_named(rw, queue):
    page = worklist_page(actor=rw.doctor_actor)
    assert _keys(page) == [
        ("outbox", str(queue["failed"].public_id)),
        ("dictation", str(queue["urgent"].public_id)),
        ("dictation", str(queue["later"].public_id)),
        ("signing", str(queue["entry"].public_id)),
    ]
    assert [row.is_overdue for row in page.rows] == [True, True, False, False]
    first = page.rows[0]
    assert first.patient is not None
    assert first.patient.name == rw.patient.name
    assert first.patient.cpr_display == rw.patient.cpr_display
    counts = {c.key: c.count for c in page.counts}
    assert {key: counts[key] for key in ("task", "dictation", "signing", "outbox")} == {
        "task": 0,
        "dictation": 2,
        "signing": 1,
        "outbox": 1,
    }


def test_a_secretary_sees_what_her_role_allows(rw, queue):
    page = worklist_page(actor=rw.secretary_actor)
    kinds = {row.item.kind for row in page.rows}
    assert kinds == {"outbox", "dictation"}  # approving entries is a signer's work
    assert "signing" not in {c.key for c in page.counts}


def test_opening_the_queue_is_one_access_log_entry(rw, queue, django_assert_max_num_queries):
    before = AccessLogEntry.objects.filter(object_type="worklist").count()
    # At most three reads per kind (its items, its count, a setting), the patients of the
    # page, the log entry and its head: however many items wait.
    with django_assert_max_num_queries(3 * len(work_kinds(rw.doctor_actor)) + 5):
        page = worklist_page(actor=rw.doctor_actor)
    entries = AccessLogEntry.objects.filter(object_type="worklist").order_by("-seq")
    assert entries.count() == before + 1
    assert entries[0].reason == f"{len(page.rows)} rows"
    assert entries[0].user_id == rw.doctor.user_id


def test_another_organisation_sees_none_of_it(rw, queue):
    other = actor_from_membership(rw.other_doctor)
    page = worklist_page(actor=other)
    assert page.rows == []
    assert all(c.count == 0 for c in page.counts)
    # Asking for organisation A's unit by id changes nothing: it is not theirs.
    page = worklist_page(actor=other, chosen=WorklistFilter(unit_ids=frozenset({rw.unit.pk})))
    assert page.rows == []
    assert page.unit_ids == frozenset()


def test_the_kind_filter_keeps_the_counts_of_every_kind(rw, queue):
    page = worklist_page(actor=rw.doctor_actor, chosen=WorklistFilter(kind="dictation"))
    assert {row.item.kind for row in page.rows} == {"dictation"}
    assert {c.key: c.count for c in page.counts}["outbox"] == 1


def test_the_due_filter_overdue_today_this_week(rw, queue):
    def kinds_for(due):
        page = worklist_page(actor=rw.doctor_actor, chosen=WorklistFilter(due=due))
        return [row.item.id for row in page.rows]

    assert kinds_for(Due.OVERDUE) == [
        str(queue["failed"].public_id),
        str(queue["urgent"].public_id),
    ]
    assert kinds_for(Due.TODAY) == kinds_for(Due.OVERDUE)  # the later one is due Friday
    assert str(queue["later"].public_id) in kinds_for(Due.WEEK)
    assert str(queue["entry"].public_id) not in kinds_for(Due.WEEK)  # no due date


def test_the_person_filter_me_and_nobody(rw, queue):
    secretary = rw.secretary_actor
    from klinik.records.dictation.services import dictation_take

    dictation_take(actor=secretary, dictation=queue["urgent"])
    mine = worklist_page(actor=secretary, chosen=WorklistFilter(assignee_id=rw.secretary.user_id))
    assert _keys(mine) == [("dictation", str(queue["urgent"].public_id))]
    assert mine.rows[0].is_mine and not mine.rows[0].can_take
    nobody = worklist_page(actor=secretary, chosen=WorklistFilter(unassigned_only=True))
    assert ("dictation", str(queue["urgent"].public_id)) not in _keys(nobody)
    assert ("dictation", str(queue["later"].public_id)) in _keys(nobody)


def test_pages_follow_on_without_gaps(rw, clock):
    clock.set(THURSDAY)
    made = [dictation_due(rw.doctor_actor, rw.patient, THURSDAY + hours(1 + i)) for i in range(7)]
    seen = []
    offset = 0
    while True:
        page = worklist_page(actor=rw.secretary_actor, offset=offset, page_size=3)
        seen += [row.item.id for row in page.rows]
        # Each page asks for a few; the count (read with them) is all of them.
        assert {c.key: c.count for c in page.counts}["dictation"] == 7
        if not page.has_next:
            break
        offset = page.next_offset
    assert seen == [str(d.public_id) for d in made]


def test_a_registered_kind_joins_the_queue(rw, queue):
    def items(actor, query):
        return [WorkItem("probe", "p-1", "Probe", "/", queue["failed"].scheduled_for, rw.unit.pk)]

    probe = WorkKind("probe", "Probe", None, items=items, count=lambda actor, query: 1)
    with hook_registered(WORK_KINDS, probe):
        page = worklist_page(actor=rw.doctor_actor)
    assert ("probe", "p-1") in _keys(page)
    assert "probe" in {c.key for c in page.counts}


def test_the_dashboard_counts_open_and_overdue(rw, queue):
    counts = {c.key: (c.count, c.overdue) for c in worklist_counts(actor=rw.doctor_actor)}
    assert {key: counts[key] for key in ("task", "dictation", "signing", "outbox")} == {
        "task": (0, 0),
        "dictation": (2, 1),
        "signing": (1, 0),
        "outbox": (1, 1),
    }


def test_due_windows_end_at_local_midnight(clock):
    now = clock.set(THURSDAY)
    assert due_before(Due.OVERDUE, now) == now
    assert due_before(Due.TODAY, now) == datetime.fromisoformat("2026-11-27T00:00:00+01:00")
    assert due_before(Due.WEEK, now) == datetime.fromisoformat("2026-11-30T00:00:00+01:00")
    assert due_before(Due.ANY, now) is None


def test_due_windows_on_the_night_summer_time_ends(clock):
    # Sunday 25 October 2026, 02:30 summer time: the day has 25 hours and ends in winter time.
    now = clock.set(datetime.fromisoformat("2026-10-25T02:30:00+02:00"))
    end = datetime.fromisoformat("2026-10-26T00:00:00+01:00")
    assert due_before(Due.TODAY, now) == end
    assert due_before(Due.WEEK, now) == end  # Sunday: the week ends tonight too
