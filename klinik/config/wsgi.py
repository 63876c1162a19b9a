import os

from django.core.wsgi import get_wsgi_application

# Files written by the web processes are for Klinik's user only (as in klinik/__main__.py),
# also when a process manager starts gunicorn without `klinik serve`.
os.umask(0o077)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinik.config.settings")
application = get_wsgi_application()
