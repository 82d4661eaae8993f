"""A small recording HTTP stand-in for the tests of code that calls out over HTTP (a WebSub hub, a CDN):
it runs on 127.0.0.1 in a thread, lets the handler record each request, and answers `status` after `delay`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True
    handler: type[BaseHTTPRequestHandler]
    status = 200

    def __init__(self):
        super().__init__(("127.0.0.1", 0), self.handler)
        self.delay = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class RecordingHandler(BaseHTTPRequestHandler):
    server: RecordingServer

    def answer(self) -> None:
        """Hold the answer back `delay` seconds, then answer the server's `status` with no body."""
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):  # keep the test output quiet
        pass


@contextmanager
def serving(server: RecordingServer) -> Iterator[RecordingServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
