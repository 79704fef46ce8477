"""gunicorn's threaded worker, changed so that slow clients cannot take its threads.

The stock gthread worker gives a connection a thread as soon as its first byte arrives, and the
thread then waits on the socket for the rest of the request head with no deadline: a few
connections trickling header lines held every thread. Here the worker's event loop reads each
request's head, and a body of up to `READ_AHEAD_LIMIT` bytes, without blocking, and a thread is
taken only once they are in; a connection that has not sent them within `header_timeout` is
closed. Whatever a thread still reads from the client (a larger or chunked body, a very large
head) must arrive within `body_timeout`, and each write of the response must be taken by the
client within it too, so a client that stops reading holds a thread no longer than that.

TLS ends at the proxy in front (README, Production): this worker reads plain sockets.
"""

from __future__ import annotations

import math
import re
import selectors
import socket
import time
from functools import partial

from gunicorn.http import message
from gunicorn.workers.gthread import TConn, ThreadWorker

# Room for a head with a request line at its limit (gunicorn.conf.py) and its header fields, and
# for every SCIM body an identity provider sends to one user; per connection, so it stays small.
READ_AHEAD_LIMIT = 64 * 1024

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
# A client that asks for "100 Continue" sends its body only after it: wait for the head alone.
_EXPECT = re.compile(rb"\r\nexpect:", re.IGNORECASE)


class DeadlineSocket:
    """A client socket whose reads first return what the event loop read ahead, and then fail
    once `deadline` has passed. Everything else is the socket's own."""

    def __init__(self, sock: socket.socket, write_timeout: float) -> None:
        self._sock = sock
        self.ahead = bytearray()
        self.deadline = math.inf
        self.write_timeout = write_timeout

    def __getattr__(self, name: str):
        return getattr(self._sock, name)

    def read_ahead(self) -> bool:
        """One read without waiting (called while `request_in_hand()` is false, so the read-ahead
        has room); False when the client has closed or the socket failed."""
        try:
            data = self._sock.recv(READ_AHEAD_LIMIT - len(self.ahead))
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            return False
        self.ahead += data
        return bool(data)

    def request_in_hand(self) -> bool:
        """The head has arrived, with its body if that fits in the read-ahead (or the read-ahead
        is full: gunicorn's parser then answers 414/431, or reads on under the deadline)."""
        if len(self.ahead) >= READ_AHEAD_LIMIT:
            return True
        end = self.ahead.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = self.ahead[:end]
        length = _CONTENT_LENGTH.search(head)
        if length is None or _EXPECT.search(head):
            return True
        return len(self.ahead) >= end + 4 + int(length[1])

    def recv(self, size: int, flags: int = 0) -> bytes:
        if self.ahead:
            # All of it: gunicorn's unreader keeps what goes beyond the request it is reading.
            data, self.ahead = bytes(self.ahead), bytearray()
            return data
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the client did not send the request in time")
        return self._bounded(remaining, self._sock.recv, size, flags)

    def sendall(self, data: bytes, flags: int = 0) -> None:
        # The timeout bounds the whole call (a sendall, or each wait of a sendfile).
        return self._bounded(self.write_timeout, self._sock.sendall, data, flags)

    def sendfile(self, file, offset: int = 0, count: int | None = None) -> int:
        return self._bounded(self.write_timeout, self._sock.sendfile, file, offset, count)

    def _bounded(self, seconds: float, call, *args):
        """`call` under a socket timeout of `seconds`, then the socket's own again. gunicorn bounds
        its own drains with the socket timeout, and writes error pages without blocking (0): the
        shorter bound wins, and no call inherits another's."""
        previous = self._sock.gettimeout()
        self._sock.settimeout(seconds if previous is None else min(previous, seconds))
        try:
            return call(*args)
        finally:
            self._sock.settimeout(previous)


class DeadlineThreadWorker(ThreadWorker):
    """gthread, with requests read ahead by the event loop (see the module docstring)."""

    header_timeout = 10.0
    body_timeout = 30.0

    @classmethod
    def with_timeouts(cls, *, header: float, body: float) -> type[DeadlineThreadWorker]:
        """This worker with other timeouts, for gunicorn.conf.py (gunicorn has no such settings)."""
        return type(cls.__name__, (cls,), {"header_timeout": header, "body_timeout": body})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reading: set[TConn] = set()

    def init_process(self) -> None:
        # gunicorn lowers any limit_request_line above this constant to it (8190), too short for
        # a long SCIM filter once URL-encoded; the configured limit holds instead.
        message.MAX_REQUEST_LINE = max(message.MAX_REQUEST_LINE, self.cfg.limit_request_line)
        super().init_process()

    def enqueue_req(self, conn: TConn) -> None:
        """Every request passes here on the event loop's thread: a new connection, a kept-alive
        one that became readable, or a request pipelined behind the last one."""
        if not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock, self.body_timeout)  # before the parser is made
        conn.sock.deadline = time.monotonic() + self.header_timeout
        if conn.parser is not None and conn.parser.unreader.buf.getvalue():
            super().enqueue_req(conn)  # already read with the previous request
            return
        conn.sock.setblocking(False)
        self.read_request(conn)

    def read_request(self, conn: TConn, _fileobj: object = None) -> None:
        if not conn.sock.read_ahead():
            self.stop_reading(conn)
            self.nr_conns -= 1
            conn.close()
        elif conn.sock.request_in_hand():
            self.stop_reading(conn)
            conn.data_ready = True  # so the thread does not wait for the socket to be readable
            super().enqueue_req(conn)
        elif conn not in self.reading:
            self.reading.add(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.read_request, conn))

    def stop_reading(self, conn: TConn) -> None:
        if conn in self.reading:
            self.reading.remove(conn)
            self.poller.unregister(conn.sock)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.reading if c.sock.deadline <= now]:
            self.stop_reading(conn)
            self.nr_conns -= 1
            conn.close()

    def handle_request(self, req, conn: TConn) -> bool:
        # The head is parsed: what the application reads from here on has its own deadline.
        conn.sock.deadline = time.monotonic() + self.body_timeout
        return super().handle_request(req, conn)
