"""`klinik serve`: the web server (gunicorn) and the background-task worker, together.

The web server is what the clinic works in, so the worker never takes it down: a worker that
ends is started again after 1, 2, 4 … 60 s (the wait starts from 1 s again once a worker has
run for a minute). The worker itself waits out database outages (klinik/core/worker.py), and
gunicorn answers 503 meanwhile (klinik/core/outage.py); neither needs a restart when the
database returns. Both stop on SIGINT/SIGTERM, and the worker stops when gunicorn ends (it
exits with gunicorn's status, for the process manager to act on).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger("klinik.serve")

RESTART_FIRST_SECONDS = 1.0
RESTART_MAX_SECONDS = 60.0
# A worker that ran this long before it ended is restarted after RESTART_FIRST_SECONDS again.
HEALTHY_AFTER_SECONDS = 60.0
STOP_WAIT_SECONDS = 10
TICK_SECONDS = 0.25


class Supervised:
    """A child process that is started again, with growing pauses, whenever it ends."""

    def __init__(self, name: str, command: list[str]) -> None:
        self.name = name
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.delay = RESTART_FIRST_SECONDS
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)  # noqa: S603  (our own interpreter)
        self.started_at = time.monotonic()
        self.restart_at = None
        logger.info("%s started (pid %s)", self.name, self.process.pid)

    def tend(self) -> None:
        """Notice an ended process and start it again when its pause is over."""
        now = time.monotonic()
        if self.process is not None:
            code = self.process.poll()
            if code is None:
                return
            ran = now - self.started_at
            if ran >= HEALTHY_AFTER_SECONDS:
                self.delay = RESTART_FIRST_SECONDS
            logger.warning(
                "%s (pid %s) ended with status %s after %.0f s; starting it again in %.0f s",
                self.name,
                self.process.pid,
                code,
                ran,
                self.delay,
            )
            self.process = None
            self.restart_at = now + self.delay
            self.delay = min(self.delay * 2, RESTART_MAX_SECONDS)
        if self.restart_at is not None and now >= self.restart_at:
            self.start()


class Command(BaseCommand):
    help = "Serve Klinik on 127.0.0.1:$PORT with gunicorn, plus the task worker."

    def handle(self, *args: Any, **options: Any) -> None:
        port = os.environ.get("PORT", "8000")
        web = subprocess.Popen(  # noqa: S603  (our own interpreter and settings)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:klinik.config.gunicorn",
                # In the data folder, beside the database: not ~/.gunicorn of whoever runs it.
                "--control-socket",
                str(settings.DATA_DIR / "gunicorn.ctl"),
                "klinik.config.wsgi:application",
            ]
        )
        worker = Supervised(
            "Task worker", [sys.executable, "-m", "klinik", "worker", "--interval", "1"]
        )
        worker.start()
        self.stdout.write(f"\nKlinik is running at http://127.0.0.1:{port}/")
        self.stdout.write("Stop with Ctrl+C.\n")

        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping and web.poll() is None:
                worker.tend()
                time.sleep(TICK_SECONDS)
        finally:
            _stop([p for p in (web, worker.process) if p is not None])
        if web.returncode and not stopping:
            logger.error("gunicorn ended with status %s", web.returncode)
            sys.exit(web.returncode)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
