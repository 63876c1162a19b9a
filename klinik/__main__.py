"""The `klinik` console command: Django's manage.py under Klinik's name."""

import os
import sys


def main() -> None:
    # Whatever Klinik writes (the SQLite database, its WAL and shared-memory files, collected
    # static files) is for its own user only: 0600 files in 0700 folders. The web server and
    # the worker started by `klinik serve` inherit this.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinik.config.settings")
    if sys.argv[1:2] == ["restore"]:
        _restore_may_start_without_keys()
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (load settings now: a missing secret fails here)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"klinik: {exc}\n")
        sys.exit(2)
    execute_from_command_line(sys.argv)


def _restore_may_start_without_keys() -> None:
    """A restore into a new data folder brings the keys along (an encrypted backup): Django
    needs a secret key to start, so a one-off one stands in when none is set. The restore
    signs nothing with it, and its `audit verify` runs in a new process without it."""
    from pathlib import Path

    data_dir = Path(os.environ.get("KLINIK_DATA_DIR") or Path(__file__).parent.parent / "var")
    if not os.environ.get("KLINIK_SECRET_KEY") and not (data_dir / "secret_key").exists():
        import secrets

        os.environ["KLINIK_SECRET_KEY"] = secrets.token_urlsafe(50)
        os.environ["KLINIK_RESTORE_STAND_IN_KEY"] = "1"


if __name__ == "__main__":
    main()
