"""`klinik serve` as a real process for tests: gunicorn and the task worker on a free loopback
port, against the test database, and a TCP proxy that can take PostgreSQL away.

    with Served(env) as served:
        served.wait_until_up()
        served.get("/healthz")

The server runs the real clock (the suite's frozen clock stops at the process boundary).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_url(*, host: str, port: int) -> str:
    """DATABASE_URL for this test run's PostgreSQL database, through host:port."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def server_env(data_dir: Path, *, database_url: str | None = None) -> dict[str, str]:
    """The environment of a server process on the test database (a transactional test's: the
    server sees only what is committed). SQLite: a consistent copy of it, in `data_dir`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_", "KLINIK_TEST_"))
    }
    env |= {
        "KLINIK_DATA_DIR": str(data_dir),
        "KLINIK_SECRET_KEY": settings.SECRET_KEY,
        "KLINIK_WEB_WORKERS": "1",
        "KLINIK_DEMO": "0",
        "KLINIK_REQUIRE_2FA": "0",
        "PORT": str(free_port()),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    elif connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = postgres_url(host=db.get("HOST") or "127.0.0.1", port=db["PORT"])
    else:
        source = sqlite3.connect(connection.settings_dict["NAME"])
        target = sqlite3.connect(data_dir / "klinik.sqlite3")
        with contextlib.closing(source), contextlib.closing(target):
            source.backup(target)
    return env


class Served:
    """`python -m klinik serve` with its log lines collected."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = int(env["PORT"])
        self.lines: list[str] = []
        self.process: subprocess.Popen[str] | None = None
        self._readers: list[threading.Thread] = []

    def __enter__(self) -> Served:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "klinik", "serve"],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # stopped with all its children, whatever happens
        )
        for stream in (self.process.stdout, self.process.stderr):
            reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
            reader.start()
            self._readers.append(reader)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # anything left of the group
        if "DATABASE_URL" in self.env:
            _wait_for_other_sessions_to_end()
        return self.process.returncode

    def log(self) -> str:
        return "\n".join(self.lines[-60:])

    def worker_pids(self) -> list[int]:
        """Every task worker started so far, in order (from serve's log)."""
        return [
            int(found.group(1))
            for line in list(self.lines)
            if (found := re.search(r"Task worker started \(pid (\d+)\)", line))
        ]

    def wait_for(self, condition: Any, *, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := condition():
                return result
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"klinik serve ended while waiting for {what}:\n{self.log()}")
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()}")

    def wait_until_up(self, timeout: float = 60) -> None:
        def up() -> bool:
            try:
                return self.get("/healthz").status == 200
            except OSError:
                return False

        self.wait_for(up, timeout=timeout, what="the web server")

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310
                return Response(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())


def _wait_for_other_sessions_to_end(timeout: float = 10) -> None:
    """PostgreSQL ends a session a moment after its process: the test database can be dropped
    at the end of the run only when the server's sessions are gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped) still answers signal 0.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


class Proxy:
    """A TCP proxy to host:port that can be closed (connections cut, new ones refused) and
    opened again on the same port: a database that goes away and comes back."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        """Refuse new connections and cut the open ones, as a server that went away."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                # shutdown, not just close: it wakes the pump blocked on the socket (a close
                # alone would leave the connection open until then) and ends both sides.
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._pairs.append((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()

    @contextlib.contextmanager
    def opened(self) -> Iterator[Proxy]:
        self.open()
        try:
            yield self
        finally:
            self.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    for sock in (source, target):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
