"""`python -m bench.writer STOP_FILE`: another writer beside a bulk job (bench/reliability.py).

Appends an access-log entry every 20 ms, as the clinic's page reads do, until STOP_FILE exists;
then prints {"waits_ms": [...], "errors": [...]} as one JSON line. The database is the one the
environment names (the benchmark's own); "ready" on the first line once Django is set up.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    stop = Path(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinik.config.settings")
    import django

    django.setup()
    from django.db import DatabaseError, transaction

    from klinik.audit.choices import Action, Channel, Purpose
    from klinik.audit.services import access_log_record

    print("ready", flush=True)
    waits: list[float] = []
    errors: list[str] = []
    while not stop.exists():
        started = time.perf_counter()
        try:
            with transaction.atomic():
                access_log_record(
                    actor=None,
                    username="bench writer",
                    action=Action.LOGIN,
                    purpose=Purpose.SECURITY,
                    channel=Channel.UI,
                )
        except DatabaseError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        waits.append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)
    print(json.dumps({"waits_ms": waits, "errors": errors}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
