"""Witness checkpoints: the head goes to an append-only file outside the database, hourly."""

import json
import stat
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from klinik.audit.choices import Action, Channel, Purpose
from klinik.audit.models import ChainHead
from klinik.audit.selectors import access_log_verify
from klinik.audit.services import (
    CHECKPOINT_EVERY,
    access_log_checkpoint_schedule,
    access_log_record,
)
from klinik.audit.tasks import checkpoint_access_log
from klinik.core.choices import Role


@pytest.fixture
def witness(settings) -> Path:
    return settings.KLINIK_AUDIT_WITNESS


@pytest.fixture
def logged(world, actor_for) -> None:
    actor = actor_for(world.member(Role.DOCTOR))
    for _ in range(3):
        access_log_record(
            actor=actor,
            action=Action.VIEW,
            purpose=Purpose.TREATMENT,
            channel=Channel.UI,
            patient_id=world.patient_a.public_id,
        )


def _checkpoint(*args: str) -> str:
    out = StringIO()
    call_command("audit", "checkpoint", *args, stdout=out)
    return out.getvalue()


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_checkpoint_appends_the_head_to_the_witness_file(logged, witness, clock):
    head = ChainHead.objects.get()
    first = clock.set(clock.now)
    assert f"entry #{head.seq}" in _checkpoint()
    later = clock.advance(hours=1)
    _checkpoint()
    lines = _lines(witness)
    assert [line["seq"] for line in lines] == [head.seq, head.seq]
    assert {line["hash"] for line in lines} == {head.last_hash}
    assert [line["time"] for line in lines] == [first.isoformat(), later.isoformat()]
    assert stat.S_IMODE(witness.stat().st_mode) == 0o600


def test_verify_holds_the_chain_to_every_checkpoint(logged, witness):
    _checkpoint()
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "held to 1 witness checkpoint, the last at #" in out.getvalue()


def test_a_checkpoint_naming_another_hash_breaks_verification(logged, witness):
    _checkpoint()
    line = _lines(witness)[0]
    forged = {**line, "hash": "f" * 64}
    witness.write_text(json.dumps(forged) + "\n")
    report = access_log_verify()
    assert not report.is_intact
    assert report.first_break is not None
    assert report.first_break.seq == line["seq"]
    assert "differs from the witness checkpoint" in report.first_break.problem


def test_a_witness_contradicting_itself_breaks_verification(logged, witness):
    _checkpoint()
    _checkpoint()
    first, second = witness.read_text().splitlines()
    witness.write_text(first + "\n" + second.replace(_lines(witness)[0]["hash"], "e" * 64) + "\n")
    report = access_log_verify()
    assert report.first_break is not None
    assert "different hashes" in report.first_break.problem


def test_an_unreadable_witness_line_breaks_verification(logged, witness):
    _checkpoint()
    with witness.open("a") as file:
        file.write("{not json\n")
    report = access_log_verify()
    assert report.first_break is not None
    assert "line 2, is unreadable" in report.first_break.problem


def test_without_a_witness_file_verify_passes_but_warns(logged, witness):
    assert not witness.exists()
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    assert "intact" in out.getvalue()
    assert "no witness file" in err.getvalue()


def test_checkpoint_refuses_a_witness_directory_that_is_not_there(logged, settings, tmp_path):
    settings.KLINIK_AUDIT_WITNESS = tmp_path / "not-mounted" / "audit-witness.log"
    with pytest.raises(CommandError, match="does not exist"):
        _checkpoint()
    assert not (tmp_path / "not-mounted").exists()


def _waiting_checkpoints():
    return DBTaskResult.objects.filter(
        task_path=checkpoint_access_log.module_path, status=TaskResultStatus.READY
    )


def _run_due_tasks() -> list[Any]:
    """What `klinik db_worker --batch` does, inside the test's transaction."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    results = []
    while (due := DBTaskResult.objects.ready().first()) is not None:
        due.claim("test")
        worker.run_task(due)
        due.refresh_from_db()
        assert due.status == TaskResultStatus.SUCCESSFUL, due.traceback
        results.append(due.return_value)
    return results


def test_the_worker_checkpoints_every_hour(logged, witness, clock):
    now = clock.set(clock.now)
    assert "Hourly checkpoint queued." in _checkpoint("--schedule")
    assert "already queued" in _checkpoint("--schedule")  # one chain, however often started
    assert len(_lines(witness)) == 2
    assert _waiting_checkpoints().get().run_after == now + CHECKPOINT_EVERY

    clock.advance(minutes=59)
    assert _run_due_tasks() == []
    clock.advance(minutes=1)
    head = ChainHead.objects.get()
    assert _run_due_tasks() == [{"seq": head.seq}]
    assert _lines(witness)[-1]["time"] == (now + timedelta(hours=1)).isoformat()
    assert _waiting_checkpoints().get().run_after == now + 2 * CHECKPOINT_EVERY
    assert access_log_checkpoint_schedule() is False
    assert access_log_verify().checkpoints == 3
