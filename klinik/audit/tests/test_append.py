"""Appending on PostgreSQL guesses the head (where this connection left it) and moves it on in
one statement, only if the guess holds under the head's lock (docs/adr/0039). A wrong guess
must never fork or break the chain: it costs a statement, and the append goes on."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import AccessLogEntry, ChainHead
from klinik.audit.selectors import access_log_verify
from klinik.audit.services import _HEAD_GUESS, access_log_record
from klinik.core.choices import Role


@pytest.fixture
def record(world, actor_for):
    actor = actor_for(world.member(Role.SECRETARY))

    def _record() -> AccessLogEntry:
        return access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=Purpose.TREATMENT,
            channel=Channel.UI,
            object_type="patient",
            object_id=world.patient_a.public_id,
            patient_id=world.patient_a.public_id,
        )

    return _record


def _chain_is_whole() -> None:
    report = access_log_verify()
    assert report.is_intact, report
    seqs = list(AccessLogEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert ChainHead.objects.get(pk=1).seq == len(seqs)


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite appends under its write lock, without a guess")


def test_an_append_after_the_connection_s_own_is_one_statement(record):
    _postgresql_only()
    first = record()
    with CaptureQueriesContext(connection) as queries:
        second = record()
    assert len(queries) == 1, queries.captured_queries
    assert (second.seq, second.prev_hash) == (first.seq + 1, first.entry_hash)
    _chain_is_whole()


@pytest.mark.parametrize(
    "guess",
    [
        pytest.param(lambda head: (head.seq - 1, head.prev_hash), id="behind"),
        pytest.param(lambda head: (head.seq, "f" * 64), id="same number, other hash"),
        pytest.param(lambda head: (head.seq + 5, head.last_hash), id="ahead"),
    ],
)
def test_a_wrong_guess_changes_nothing_and_the_append_follows_the_real_head(record, guess):
    _postgresql_only()
    record()
    head = ChainHead.objects.get(pk=1)
    setattr(connection, _HEAD_GUESS, guess(head))
    entry = record()
    assert (entry.seq, entry.prev_hash) == (head.seq + 1, head.last_hash)
    assert record().seq == head.seq + 2
    _chain_is_whole()


def test_a_rolled_back_append_is_not_guessed_on(record):
    record()
    with pytest.raises(RuntimeError), transaction.atomic():
        record()
        raise RuntimeError("the change fails")
    entry = record()
    assert entry.seq == AccessLogEntry.objects.count()
    _chain_is_whole()


def _lock_from_another_connection() -> str:
    """Try the head's lock from another connection, without waiting: what it answered."""
    answer: list[str] = []

    def other() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT seq FROM audit_chainhead WHERE id = 1 FOR UPDATE NOWAIT")
            answer.append("locked it")
        except DatabaseError:
            answer.append("refused")
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    return answer[0]


@pytest.mark.django_db(transaction=True)
def test_an_append_inside_a_change_holds_the_head_until_the_change_commits(record):
    _postgresql_only()
    record()
    with transaction.atomic():
        record()  # guessed: the head's lock comes with the statement that moves it
        assert _lock_from_another_connection() == "refused"
    assert _lock_from_another_connection() == "locked it"
    _chain_is_whole()


@pytest.mark.django_db(transaction=True)
def test_connections_appending_at_once_keep_one_chain(world, actor_for):
    """Three connections append in turns and at once: each one's guess is often wrong."""
    _postgresql_only()
    actor = actor_for(world.member(Role.SECRETARY))
    errors: list[BaseException] = []
    per_thread = 25

    def append_many() -> None:
        try:
            for _ in range(per_thread):
                access_log_record(
                    actor=actor,
                    action=Action.VIEW,
                    purpose=Purpose.TREATMENT,
                    channel=Channel.API,
                    object_type="patient",
                    object_id=world.patient_a.public_id,
                    patient_id=world.patient_a.public_id,
                )
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append_many) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AccessLogEntry.objects.count() == 3 * per_thread
    _chain_is_whole()
