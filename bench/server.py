"""gunicorn serving the app on a free loopback port, the one way the benchmark, the compliance
and scale-out scripts and the database-outage test start it, and stopped whatever happens."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def production_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with production settings on plain-HTTP loopback: DEBUG off, a
    random secret key, 127.0.0.1 allowed, no HTTPS redirect, static files from their sources;
    less what only the test runner sets. `overrides` on top."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="False",
        STATIC_MANIFEST="False",
    )
    env.update(overrides)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`with Gunicorn(env=…) as server:` serves at `server.url` until the block ends, configured
    by the repository's gunicorn.conf.py (what production runs) but for the address and the
    number of workers; its output goes to `log` if given."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        log: Path | None = None,
        workers: int = 2,
        access_log: bool = False,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        arguments = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            f"--config={REPO / 'gunicorn.conf.py'}",
            f"--bind=127.0.0.1:{self.port}", f"--workers={workers}",
        ]  # fmt: skip
        if access_log:
            arguments.append("--access-logfile=-")
        output = log.open("w") if log is not None else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                arguments, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        finally:
            if log is not None:
                output.close()  # the child has its own copy

    def __enter__(self) -> Gunicorn:
        try:
            self.wait_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def wait_listening(self, timeout: float = 30) -> None:
        self._wait(timeout, self._listening)

    def wait_ready(self, path: str, timeout: float = 30) -> None:
        """Until `path` answers 200 (the first request also loads what the app loads lazily)."""
        self._wait(timeout, lambda: self._answers(path))

    def _wait(self, timeout: float, ready) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"gunicorn exited with {code}{self._see_log()}")
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn was not ready within {timeout}s{self._see_log()}")

    def _listening(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def _answers(self, path: str) -> bool:
        try:
            with urllib.request.urlopen(self.url + path, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def _see_log(self) -> str:
        if self.log is None:
            return ""
        return f":\n{self.log.read_text()[-5000:]}"

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]

    def worker_rss_mb(self) -> dict[int, float]:
        result = {}
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    result[pid] = int(line.split()[1]) / 1024
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
