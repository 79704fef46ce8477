"""config/gunicorn_worker.py's socket on its own; tests/reliability/test_slow_clients.py runs the
worker in gunicorn."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from config.gunicorn_worker import READ_AHEAD_LIMIT, DeadlineSocket


@pytest.fixture
def pair() -> Iterator[tuple[DeadlineSocket, socket.socket]]:
    server, client = socket.socketpair()
    server.setblocking(False)
    with server, client:
        yield DeadlineSocket(server, write_timeout=30), client


def read_ahead(sock: DeadlineSocket, client: socket.socket, data: bytes) -> bool:
    client.sendall(data)
    assert sock.read_ahead()
    return sock.request_in_hand()


def test_a_head_without_a_body_is_in_hand_once_its_blank_line_arrives(pair):
    sock, client = pair
    assert not read_ahead(sock, client, b"GET / HTTP/1.1\r\nHost: a\r\n")
    assert read_ahead(sock, client, b"\r\n")


def test_a_small_body_is_read_ahead_with_its_head(pair):
    sock, client = pair
    assert not read_ahead(sock, client, b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab")
    assert read_ahead(sock, client, b"cd")


def test_a_client_that_expects_100_continue_gets_a_thread_for_its_head_alone(pair):
    sock, client = pair
    head = b"POST / HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
    assert read_ahead(sock, client, head)


def test_a_full_read_ahead_goes_to_the_parser_whatever_it_holds(pair):
    sock, client = pair
    assert not read_ahead(sock, client, b"GET /" + b"a" * (READ_AHEAD_LIMIT - 100))
    assert read_ahead(sock, client, b"a" * 200)
    assert len(sock.ahead) == READ_AHEAD_LIMIT


def test_a_closed_client_ends_the_read_ahead(pair):
    sock, client = pair
    client.shutdown(socket.SHUT_WR)
    assert not sock.read_ahead()


def test_reads_return_the_read_ahead_first_then_the_socket(pair):
    sock, client = pair
    read_ahead(sock, client, b"GET / HTTP/1.1\r\n\r\n")
    client.sendall(b"next")
    sock.setblocking(True)
    sock.deadline = time.monotonic() + 5
    assert sock.recv(4) == b"GET / HTTP/1.1\r\n\r\n"
    assert sock.recv(4) == b"next"
    assert sock.gettimeout() is None  # the read's deadline is not left on the socket


def test_a_read_fails_once_the_deadline_has_passed(pair):
    sock, _ = pair
    sock.setblocking(True)
    sock.deadline = time.monotonic() + 0.2
    with pytest.raises(TimeoutError):
        sock.recv(1)
    with pytest.raises(TimeoutError):
        sock.recv(1)
    assert sock.gettimeout() is None


def test_a_shorter_socket_timeout_of_gunicorns_own_wins(pair):
    sock, _ = pair
    sock.settimeout(0.1)
    sock.deadline = time.monotonic() + 60
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        sock.recv(1)
    assert time.monotonic() - started < 1
    assert sock.gettimeout() == 0.1


def test_a_write_to_a_client_that_stops_reading_fails_after_the_write_timeout(pair):
    """Else the thread writing the response would wait for as long as the client liked."""
    sock, _ = pair
    sock.setblocking(True)
    sock.write_timeout = 0.2
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        sock.sendall(b"x" * 64 * 1024 * 1024)  # more than both socket buffers hold
    assert time.monotonic() - started < 2
    assert sock.gettimeout() is None


def test_a_file_sent_to_a_client_that_stops_reading_fails_after_the_write_timeout(pair, tmp_path):
    sock, _ = pair
    sock.setblocking(True)
    sock.write_timeout = 0.2
    large = tmp_path / "large"
    large.write_bytes(b"x" * 64 * 1024 * 1024)
    with large.open("rb") as file, pytest.raises(TimeoutError):
        sock.sendfile(file)
    assert sock.gettimeout() is None


def test_a_write_taken_by_the_client_completes(pair):
    sock, client = pair
    sock.setblocking(True)
    sock.sendall(b"response")
    assert client.recv(100) == b"response"
