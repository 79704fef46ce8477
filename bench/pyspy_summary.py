"""Summarise py-spy's raw (collapsed) stacks: where a request's wall time goes.

Only samples inside Django's WSGI handler count, so idle workers and threads waiting don't
dilute the numbers; with `--idle` sampling, time blocked on PostgreSQL shows as psycopg frames.
Usage: python bench/pyspy_summary.py /tmp/bench-profile/get.txt [--top 30]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
# Where a request starts in any gunicorn worker class (sync, gthread, ours).
REQUEST_FRAME = "WSGIHandler.__call__ (django/core/handlers/wsgi.py"


def _short(file: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", "/work/main/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _function(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    return f"{match['func']} ({_short(match['file'])})"


def summarise(path: Path, top: int = 30) -> str:
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or REQUEST_FRAME not in stack:
            continue
        frames = stack.split(";")
        start = next(i for i, f in enumerate(frames) if REQUEST_FRAME in f)
        frames = [_function(f) for f in frames[start:]]
        samples = int(count)
        total += samples
        for name in set(frames):
            inclusive[name] += samples
        leaf[frames[-1]] += samples
    if not total:
        return f"{path.name}: no request samples\n"
    lines = [f"{path.name}: {total} samples inside requests", "", "inclusive  function"]
    lines += [f"{100 * n / total:8.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "self       function"]
    lines += [f"{100 * n / total:8.1f}%  {name}" for name, n in leaf.most_common(top // 2)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    for file in args.files:
        print(summarise(file, args.top))


if __name__ == "__main__":
    main()
