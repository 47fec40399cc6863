"""Loopback receivers for webhook tests, and settings that let deliveries reach them.

The real worker (tests/fixtures/worker.py) inherits this process's environment when it starts:
the variables below let it deliver to the loopback receivers of these tests, as `make run`
(DEBUG on) does, with short timeouts. Tests in this process turn the guard on and off with the ``settings`` fixture.
"""

import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from partners.webhooks.sending import resolve_cache_clear

os.environ.setdefault("WEBHOOK_ALLOW_HTTP", "true")
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
# short attempts, so a killed sender's lease (its attempts' time and a margin) ends within a test
os.environ.setdefault("WEBHOOK_CONNECT_TIMEOUT", "2")
os.environ.setdefault("WEBHOOK_READ_TIMEOUT", "3")


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Reply:
    """What the receiver answers: a status and body, or a behaviour (``sleep`` seconds before
    answering, ``trickle`` one byte every ``trickle`` seconds, ``hang`` until the test ends)."""

    status: int = 200
    body: bytes = b"ok"
    headers: dict = field(default_factory=dict)
    sleep: float = 0
    trickle: float = 0
    hang: bool = False


class Receiver:
    """A tiny threaded HTTP/1.1 server on 127.0.0.1 that records every request and answers as
    ``reply`` (a Reply, or a function of the Received request returning one) says."""

    def __init__(self, *, tls=None) -> None:
        self.received: list[Received] = []
        self.scheme = "https" if tls else "http"
        self.reply = Reply()
        self.released = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                request = Received(self.path, dict(self.headers.items()), body)
                with receiver._lock:
                    receiver.received.append(request)
                reply = receiver.reply(request) if callable(receiver.reply) else receiver.reply
                if reply.hang:
                    receiver.released.wait(60)
                    return
                if reply.sleep:
                    time.sleep(reply.sleep)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.trickle:
                    for byte in reply.body:
                        if receiver.released.is_set():
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(reply.trickle)
                    return
                self.wfile.write(reply.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:  # an ssl.SSLContext holding the server's certificate
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/hook"

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def open_guard(settings):
    """Plain http and loopback receivers allowed, as in development."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_CONNECT_TIMEOUT = 1
    settings.WEBHOOK_READ_TIMEOUT = 1
    resolve_cache_clear()
    return settings
