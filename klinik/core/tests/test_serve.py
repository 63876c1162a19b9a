"""`klinik serve` keeps the web server up when the task worker ends (issue 10).

It used to stop gunicorn as soon as the worker ended, so a worker that died of a locked
database took the whole clinic offline. A real server on a free loopback port.
"""

from __future__ import annotations

import os
import signal

import pytest

from klinik.core.tests.servers import Served, process_alive, server_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_serve_starts_an_ended_worker_again_and_keeps_serving(tmp_path):
    with Served(server_env(tmp_path)) as served:
        served.wait_until_up()
        assert (tmp_path / "gunicorn.ctl").is_socket()  # the control socket in the data folder
        first = served.wait_for(served.worker_pids, timeout=30, what="the worker")[0]
        os.kill(first, signal.SIGKILL)
        pids = served.wait_for(
            lambda: (found := served.worker_pids())[1:] and found,
            timeout=30,
            what="the worker started again",
        )
        assert pids[0] == first
        assert process_alive(pids[1])
        assert served.get("/healthz").status == 200
        assert "ended with status -9" in served.log()
        code = served.stop()
    assert code == 0  # stopped by SIGTERM, as a process manager does
    assert not process_alive(pids[1])
