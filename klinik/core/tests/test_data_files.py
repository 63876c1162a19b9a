"""The data folder is 0700 and what Klinik writes there 0600: the SQLite database with its
WAL and shared-memory files, collected static files. Measured in a fresh `klinik` process
started with the usual umask 022."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, os, stat
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
    data = settings.DATA_DIR
    (data / "media").mkdir(exist_ok=True)
    (data / "media" / "probe.txt").write_text("x")
    names = ["", "klinik.sqlite3", "klinik.sqlite3-wal", "klinik.sqlite3-shm", "media",
             "media/probe.txt", "static"]
    print(json.dumps({n: oct(stat.S_IMODE(os.stat(data / n).st_mode)) for n in names}))
"""


def _with_umask_022(*command: str) -> list[str]:
    """The command under the usual umask (set by a shell: preexec_fn is unsafe with threads)."""
    return ["/bin/sh", "-c", 'umask 022 && exec "$0" "$@"', *command]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(KLINIK_DATA_DIR=str(data_dir), KLINIK_SECRET_KEY="insecure-test-only")
    return env


def test_a_fresh_data_folder_and_its_files_are_for_the_owner_only(tmp_path):
    data_dir = tmp_path / "var"
    probe = subprocess.run(  # noqa: S603
        _with_umask_022(sys.executable, "-m", "klinik", "shell", "-c", PROBE),
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    modes = json.loads(probe.stdout.strip().splitlines()[-1])
    assert modes[""] == "0o700"
    for name in ("klinik.sqlite3", "klinik.sqlite3-wal", "klinik.sqlite3-shm", "media/probe.txt"):
        assert modes[name] == "0o600", name
    for name in ("media", "static"):
        assert modes[name] == "0o700", name


def test_the_deploy_check_warns_about_a_data_folder_others_can_read(tmp_path, settings):
    from klinik.core.checks import data_files_private

    # Modes set with chmod: the test process's umask is not ours to assume.
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    data_dir.chmod(0o700)
    database = data_dir / "klinik.sqlite3"
    database.touch()
    database.chmod(0o600)
    (data_dir / "static").mkdir()
    (data_dir / "static").chmod(0o755)  # public files may be public
    settings.DATA_DIR = data_dir
    assert data_files_private() == []
    database.chmod(0o644)
    assert [w.id for w in data_files_private()] == ["core.W002"]
    database.chmod(0o600)
    (data_dir / "field_key").touch()
    (data_dir / "field_key").chmod(0o644)
    assert [w.id for w in data_files_private()] == ["core.W002"]
    (data_dir / "field_key").chmod(0o600)
    data_dir.chmod(0o755)
    assert [w.id for w in data_files_private()] == ["core.W002"]


@pytest.mark.parametrize(
    "start",
    [
        "import klinik.config.wsgi",
        "from klinik.config import gunicorn; gunicorn.on_starting(None)",  # the arbiter's hook
    ],
)
def test_the_web_server_entry_points_set_the_umask_too(start):
    code = f"import os; {start}; print(oct(os.umask(0)))"
    env = _env(Path(os.environ["KLINIK_DATA_DIR"]))
    env["DJANGO_SETTINGS_MODULE"] = "klinik.config.settings"
    out = subprocess.run(  # noqa: S603
        _with_umask_022(sys.executable, "-c", code),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "0o77"
