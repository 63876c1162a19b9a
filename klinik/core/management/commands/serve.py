"""`klinik serve`: the web server (gunicorn) and the background-task worker, together.

Both are stopped when either ends or when this command gets SIGINT/SIGTERM.
"""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Klinik on 127.0.0.1:$PORT with gunicorn, plus the task worker."

    def handle(self, *args: Any, **options: Any) -> None:
        port = os.environ.get("PORT", "8000")
        klinik = [sys.executable, "-m", "klinik"]
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "python:klinik.config.gunicorn",
                    "klinik.config.wsgi:application",
                ]
            ),
            subprocess.Popen([*klinik, "db_worker", "--interval", "1"]),  # noqa: S603
        ]
        self.stdout.write(f"\nKlinik is running at http://127.0.0.1:{port}/")
        self.stdout.write("Stop with Ctrl+C.\n")

        def stop(*_: object) -> None:
            for proc in processes:
                if proc.poll() is None:
                    proc.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(proc.poll() is None for proc in processes):
                time.sleep(0.5)
        finally:
            stop()
            for proc in processes:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
