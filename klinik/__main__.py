"""The `klinik` console command: Django's manage.py under Klinik's name."""

import os
import sys


def main() -> None:
    # Whatever Klinik writes (the SQLite database, its WAL and shared-memory files, collected
    # static files) is for its own user only: 0600 files in 0700 folders. The web server and
    # the worker started by `klinik serve` inherit this.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinik.config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (load settings now: a missing secret fails here)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"klinik: {exc}\n")
        sys.exit(2)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
