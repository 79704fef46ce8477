"""The moving parts of a run: wrk, py-spy, CPU accounting and the query count (gunicorn is
`bench/server.py`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
LUA_DIR = BENCH_DIR / "lua"
VENV_BIN = Path(sys.executable).parent


@dataclass
class WrkResult:
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    quantiles_ms: tuple[float, ...] = ()  # the latency at every 0.1 %, to merge runs with
    app_cpu_ms: float = 0.0  # CPU per request of the gunicorn workers
    db_cpu_ms: float = 0.0  # and of PostgreSQL's processes


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on the machine (the server is local): backends and helpers."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    return {pid: _cpu_seconds(pid) for pid in pids}


def ensure_wrk() -> str:
    """Debian's wrk (LuaJIT scripting); installed on first use (the bench runs as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: apt-get install -y wrk", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "wrk"], env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, check=True)
    return shutil.which("wrk") or "wrk"


def run_wrk(
    wrk: str,
    url: str,
    data_file: Path,
    *,
    threads: int,
    connections: int,
    duration: int,
    app_pids: list[int],
) -> WrkResult:
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration}s",
        "--timeout=10s",
        "--script=scim.lua",
        url,
        "--",
        str(data_file),
    ]
    # CPU time, not only latency: on 2 cores the workers, PostgreSQL and wrk share the CPU, so
    # what a request costs each of them decides the throughput.
    app_before, db_before = cpu_seconds(app_pids), cpu_seconds(postgres_pids())
    done = subprocess.run(command, cwd=LUA_DIR, capture_output=True, text=True)
    app_after, db_after = cpu_seconds(app_pids), cpu_seconds(postgres_pids())
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds = raw["duration_us"] / 1e6
    per_request = 1000 / max(1, raw["requests"])
    app_cpu = sum(app_after[p] - app_before.get(p, 0.0) for p in app_after)
    db_cpu = sum(db_after[p] - db_before.get(p, 0.0) for p in db_after)
    return WrkResult(
        requests=raw["requests"],
        rps=raw["requests"] / seconds if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        statuses={int(k): v for k, v in raw["statuses"].items()},
        socket_errors=raw["socket_errors"],
        quantiles_ms=tuple(q / 1000 for q in raw["quantiles_us"]),
        app_cpu_ms=app_cpu * per_request,
        db_cpu_ms=db_cpu * per_request,
    )


def combine(slices: list[WrkResult]) -> WrkResult:
    """One row for an operation measured in slices: counts and CPU added up, percentiles of all
    its requests (each slice's latency at every 0.1 % stands for a thousandth of its requests)."""
    requests = sum(s.requests for s in slices)
    seconds = sum(s.requests / s.rps for s in slices if s.rps)
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    for s in slices:
        for status, n in s.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
        for kind, n in s.socket_errors.items():
            errors[kind] = errors.get(kind, 0) + n
    points = sorted(
        (latency, s.requests / len(s.quantiles_ms)) for s in slices for latency in s.quantiles_ms
    )

    def percentile(p: float) -> float:
        wanted, seen = requests * p / 100, 0.0
        for latency, weight in points:
            seen += weight
            if seen >= wanted:
                return latency
        return points[-1][0]

    return WrkResult(
        requests=requests,
        rps=requests / seconds if seconds else 0.0,
        p50_ms=percentile(50),
        p95_ms=percentile(95),
        p99_ms=percentile(99),
        max_ms=max(s.max_ms for s in slices),
        statuses=statuses,
        socket_errors=errors,
        quantiles_ms=(),
        app_cpu_ms=sum(s.app_cpu_ms * s.requests for s in slices) / max(1, requests),
        db_cpu_ms=sum(s.db_cpu_ms * s.requests for s in slices) / max(1, requests),
    )


def start_py_spy(pid: int, out: Path, duration: int) -> subprocess.Popen:
    """Sample every worker (`--subprocesses`), idle time included, so time spent waiting for
    PostgreSQL shows up as the psycopg frames that wait for it."""
    return subprocess.Popen(
        [
            str(VENV_BIN / "py-spy"),
            "record",
            f"--pid={pid}",
            "--subprocesses",
            "--idle",
            "--rate=200",
            "--format=raw",
            f"--duration={duration}",
            f"--output={out}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
