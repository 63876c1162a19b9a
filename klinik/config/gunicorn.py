"""gunicorn settings for `make run`: the access log omits query strings (they may hold search
terms) and writes the same JSON shape as the application logs."""

import os

# Files the server writes (sockets, temporary files) are for Klinik's user only.
umask = 0o077

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("KLINIK_WEB_WORKERS", "3"))
threads = int(os.environ.get("KLINIK_WEB_THREADS", "2"))
timeout = 60
accesslog = "-"
access_log_format = (
    '{"time":"%(t)s","logger":"access","method":"%(m)s","path":"%(U)s",'
    '"status":%(s)s,"bytes":"%(B)s","duration_us":%(D)s}'
)


def post_worker_init(worker: object) -> None:
    """Each worker builds its terminology index in the background as it starts."""
    from klinik.terminology.selectors import index_warm

    index_warm()


def on_starting(server: object) -> None:
    """Files the application writes are for Klinik's user only, as under the `klinik`
    command: workers inherit the arbiter's umask, set here rather than on import."""
    os.umask(umask)
