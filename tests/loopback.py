"""A scriptable HTTP server on 127.0.0.1 for provider adapter tests."""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        """The request body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class Reply:
    """What the server answers: status, headers, raw body; `hang` answers only after the test.

    A hanging reply makes the client's timeout fire whatever the machine's load: the server
    holds it until the LoopbackServer closes, instead of sleeping a guessed "long enough".
    """

    status: int = 200
    body: bytes = b""
    headers: dict | None = None
    hang: bool = False

    @classmethod
    def of(cls, payload, status=200, headers=None, hang=False):
        """A JSON reply."""
        return cls(status, json.dumps(payload).encode("utf-8"), headers, hang)


class LoopbackServer:
    """Serve `handler(Recorded) -> Reply` on an ephemeral loopback port and record every request."""

    def __init__(self, handler):
        self.handler = handler
        self.requests: list[Recorded] = []
        self.closing = threading.Event()  # releases hanging replies
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                headers = {k.lower(): v for k, v in self.headers.items()}
                req = Recorded(self.command, self.path, headers, self.rfile.read(length))
                outer.requests.append(req)
                reply = outer.handler(req)
                if reply.hang:
                    outer.closing.wait(120)
                self.send_response(reply.status)
                for name, value in (reply.headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
