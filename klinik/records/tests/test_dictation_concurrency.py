"""Two (or more) secretaries take the same dictation at the same moment: exactly one gets it.

Threads, each with its own database connection, meet at a barrier and call dictation_take;
the conditional UPDATE (status waiting → in progress) lets one through."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from klinik.core.choices import Role
from klinik.core.services import actor_from_membership
from klinik.core.tests.factories import MembershipFactory
from klinik.records.choices import DictationStatus
from klinik.records.dictation.services import dictation_create, dictation_take
from klinik.records.errors import RecordError
from klinik.records.models import Dictation
from klinik.records.tests.factories import record_world_create


@pytest.mark.django_db(transaction=True)
def test_concurrent_takes_give_the_item_to_exactly_one_secretary(world):
    rw = record_world_create(world)
    dictation = dictation_create(actor=rw.doctor_actor, patient=rw.patient, text="Kladde")
    attempts = 6 if connection.vendor == "postgresql" else 3
    secretaries = [MembershipFactory(role=Role.SECRETARY, unit=rw.unit) for _ in range(attempts)]
    barrier = threading.Barrier(attempts)
    outcomes: dict[int, str] = {}
    lock = threading.Lock()

    def take(index: int) -> None:
        try:
            actor = actor_from_membership(secretaries[index])
            row = Dictation.objects.select_related("patient").get(pk=dictation.pk)
            barrier.wait(timeout=10)
            try:
                dictation_take(actor=actor, dictation=row)
                outcome = "ok"
            except RecordError as exc:
                outcome = exc.code
        except Exception as exc:  # reported in the assertion below
            outcome = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes[index] = outcome

    threads = [threading.Thread(target=take, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Counter(outcomes.values()) == {"ok": 1, "already_taken": attempts - 1}, outcomes
    winner = next(i for i, outcome in outcomes.items() if outcome == "ok")
    taken = Dictation.objects.get(pk=dictation.pk)
    assert taken.status == DictationStatus.IN_PROGRESS
    assert taken.taken_by_id == secretaries[winner].user_id
