"""Slow clients against the real server, started as production starts it (gunicorn.conf.py through
bench/server.py): connections that trickle their request heads neither hold a thread nor stay
open past the header timeout, and a request line long enough for an 8 KB filter reaches the app.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from collections.abc import Iterator

import pytest

from bench.server import Gunicorn, production_environment

WORKERS = 2
THREADS = 4
HEADER_TIMEOUT = 3  # longer than the 2 s a request may take while slow clients wait
PUBLIC_PAGE = "/accounts/login/"  # answers without a token or a session


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Gunicorn]:
    env = production_environment(
        GUNICORN_THREADS=str(THREADS), GUNICORN_HEADER_TIMEOUT=str(HEADER_TIMEOUT)
    )
    log = tmp_path_factory.mktemp("slow-log") / "gunicorn.log"
    with Gunicorn(env=env, workers=WORKERS, log=log) as server:
        server.wait_ready(PUBLIC_PAGE)
        yield server


def connect(server: Gunicorn) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def exchange(server: Gunicorn, request: bytes, timeout: float) -> bytes:
    """Send a whole request and read the whole response (the request asks to close)."""
    with connect(server) as sock:
        sock.settimeout(timeout)
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()


def status_and_body(response: bytes) -> tuple[str, bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body


def start_trickling(server: Gunicorn) -> socket.socket:
    """A connection that has sent the start of a request head, and nothing after it."""
    sock = connect(server)
    sock.sendall(f"GET {PUBLIC_PAGE} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n".encode())
    return sock


def test_a_request_is_answered_while_more_slow_clients_than_threads_trickle_headers(server):
    slow = [start_trickling(server) for _ in range(2 * WORKERS * THREADS + 1)]
    try:
        started = time.monotonic()
        response = exchange(server, get(PUBLIC_PAGE), timeout=2)
        elapsed = time.monotonic() - started
    finally:
        for sock in slow:
            sock.close()
    status, body = status_and_body(response)
    assert status == "HTTP/1.1 200 OK"
    assert b'<form method="post"' in body
    assert elapsed < 2


def test_a_client_that_trickles_its_head_is_disconnected_after_the_header_timeout(server):
    with start_trickling(server) as sock:
        started = time.monotonic()
        sock.settimeout(0.25)
        received = None
        while received is None and time.monotonic() - started < HEADER_TIMEOUT + 3:
            try:
                received = sock.recv(1024)
            except TimeoutError:
                sock.sendall(b"X-More: 1\r\n")  # one more header line, and the head never ends
            except ConnectionResetError:
                received = b""
        elapsed = time.monotonic() - started
    assert received == b""  # closed without an answer: no request was made
    assert HEADER_TIMEOUT - 0.5 < elapsed < HEADER_TIMEOUT + 2


def test_a_request_line_with_an_8_kb_filter_gets_the_apps_scim_answer(server):
    """Every character of the filter needs %-encoding, so the request line is over 24 KB; without
    a token the app answers 401 in the SCIM error schema, as it does to a short filter."""
    value = '"' * (8192 - len('userName eq ""'))
    long_filter = urllib.parse.quote(f'userName eq "{value}"', safe="")
    short_filter = urllib.parse.quote('userName eq "a"', safe="")

    long_status, long_body = status_and_body(
        exchange(server, get(f"/scim/v2/Users?filter={long_filter}"), timeout=5)
    )
    short_status, short_body = status_and_body(
        exchange(server, get(f"/scim/v2/Users?filter={short_filter}"), timeout=5)
    )

    assert len(long_filter) > 3 * 8000
    assert long_status == short_status == "HTTP/1.1 401 Unauthorized"
    assert json.loads(long_body) == json.loads(short_body)
    assert json.loads(long_body)["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_a_request_line_over_the_limit_is_answered_414(server):
    status, _ = status_and_body(exchange(server, get("/scim/v2/Users?x=" + "a" * 40_000), 5))
    assert status == "HTTP/1.1 414 URI Too Long"


def test_a_header_field_over_8_kb_is_answered_431(server):
    request = get("/scim/v2/Users").replace(b"\r\n\r\n", b"\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
    status, _ = status_and_body(exchange(server, request, 5))
    assert status == "HTTP/1.1 431 Request Header Fields Too Large"
