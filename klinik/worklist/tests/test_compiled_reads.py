"""A kind's compiled read is kept (core/worklist.py, work_rows): the same query asks the
database again, never the ORM, and finds what is there now; another actor, organisation,
filter or day gets a read of its own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klinik.core import worklist
from klinik.core.worklist import WorkQuery, work_kinds
from klinik.correspondence.work import outbox_work_read
from klinik.records.tests.factories import record_world_create
from klinik.worklist.tests.factories import THURSDAY, hours, message_failed


@pytest.fixture
def rw(world):
    return record_world_create(world)


def _query(unit_id: int) -> WorkQuery:
    return WorkQuery(unit_ids=frozenset({unit_id}), limit=10)


def test_a_kept_read_finds_rows_written_after_it(rw, clock):
    clock.set(THURSDAY)
    actor = rw.secretary_actor
    first = message_failed(rw.patient, THURSDAY - hours(2))
    items, total = outbox_work_read(actor, _query(rw.unit.pk))
    assert [i.id for i in items] == [str(first.public_id)] and total == 1
    second = message_failed(rw.patient, THURSDAY - hours(1))
    with CaptureQueriesContext(connection) as captured:
        items, total = outbox_work_read(actor, _query(rw.unit.pk))
    assert len(captured) == 1
    assert [i.id for i in items] == [str(first.public_id), str(second.public_id)]
    assert total == 2
    assert items[0].due == first.scheduled_for  # converted as the ORM converts it


def test_a_kept_read_is_not_shared_across_organisations(rw, clock):
    clock.set(THURSDAY)
    mine = message_failed(rw.patient, THURSDAY - hours(1))
    items, _total = outbox_work_read(rw.secretary_actor, _query(rw.unit.pk))
    assert [i.id for i in items] == [str(mine.public_id)]
    # Organisation B asks the same shape of query for its own unit: nothing of A's.
    other = rw.other_doctor_actor
    assert other.unit is not None
    items, total = outbox_work_read(other, _query(other.unit.pk))
    assert items == [] and total == 0
    # And asking A's unit id with B's organisations finds nothing either.
    items, total = outbox_work_read(other, _query(rw.unit.pk))
    assert items == [] and total == 0


def test_a_kept_read_follows_the_filter_and_the_day(rw, clock):
    clock.set(THURSDAY)
    actor = rw.secretary_actor
    message_failed(rw.patient, THURSDAY + hours(1))  # due later today
    base = _query(rw.unit.pk)
    assert outbox_work_read(actor, base)[1] == 1
    overdue = WorkQuery(unit_ids=base.unit_ids, limit=10, due_before=THURSDAY)
    assert outbox_work_read(actor, overdue)[1] == 0
    clock.set(THURSDAY + hours(24))
    later = WorkQuery(unit_ids=base.unit_ids, limit=10, due_before=THURSDAY + hours(24))
    assert outbox_work_read(actor, later)[1] == 1


def test_a_page_asked_again_compiles_nothing_again(rw, clock, monkeypatch):
    clock.set(THURSDAY)
    actor = rw.secretary_actor
    query = _query(rw.unit.pk)
    kinds = [k for k in work_kinds(actor) if k.read is not None]
    for kind in kinds:
        kind.read(actor, query)
    compiled = []
    keep = worklist._compile
    monkeypatch.setattr(worklist, "_compile", lambda rows: compiled.append(rows) or keep(rows))
    for kind in kinds:
        kind.read(actor, query)
    assert compiled == []
