"""gunicorn's configuration: `gunicorn -c gunicorn.conf.py config.wsgi` in production (README),
and what bench/server.py starts for the bench, the compliance and scale-out scripts and the
outage test. gunicorn also reads this file by itself when started from the repository root.

Threaded workers whose event loop reads each request before a thread takes it
(config/gunicorn_worker.py): slow clients wait there, not in a thread. Why not gevent: one more
dependency, and psycopg under gevent's monkey-patching (README, Security).
"""

import os
import shutil
import tempfile
from pathlib import Path

from config.gunicorn_worker import DeadlineThreadWorker


def _number(name: str, default: float) -> float:
    """A positive number from the environment; anything else stops gunicorn at start."""
    value = float(os.environ.get(name, default))
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value}")
    return value


workers = int(_number("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
threads = int(_number("GUNICORN_THREADS", 2))
worker_class = DeadlineThreadWorker.with_timeouts(
    header=_number("GUNICORN_HEADER_TIMEOUT", 10), body=_number("GUNICORN_BODY_TIMEOUT", 30)
)

# A threaded worker is restarted only when its event loop stops answering, not for one slow
# request; a stop lets requests in flight finish for this long.
timeout = 30
graceful_timeout = 30
# Identity providers send bursts of requests: keep their connections between them.
keepalive = 5

# A filter of 8,192 characters is up to three times as long URL-encoded (%XX), plus the path and
# the other parameters. Longer lines get gunicorn's 414; header fields keep gunicorn's limits.
limit_request_line = 32768
limit_request_field_size = 8190
limit_request_fields = 100


# Where each worker process writes its Prometheus samples, which /metrics adds up
# (monitoring/metrics.py): the operator's PROMETHEUS_MULTIPROC_DIR, or a temporary folder for
# this server's life. Set by the master before it starts workers, which inherit it.
_temporary_metrics_dir: str | None = None


def on_starting(server) -> None:
    global _temporary_metrics_dir
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _temporary_metrics_dir = tempfile.mkdtemp(prefix="scim-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _temporary_metrics_dir
    metrics_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):  # an earlier server's counts would add to ours
        stale.unlink()


def on_exit(server) -> None:
    if _temporary_metrics_dir is not None:
        shutil.rmtree(_temporary_metrics_dir, ignore_errors=True)


def child_exit(server, worker) -> None:
    """A worker's counters stay in the sum; its live gauges would not (there are none today)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def worker_abort(worker) -> None:
    """A worker stopped for overrunning `timeout` writes the request log entries it holds, on a
    connection of its own (provisioning/request_log.py)."""
    from provisioning import request_log

    request_log.flush_on_stop()
