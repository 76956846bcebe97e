"""A plain threaded HTTP/1.1 server that hands every request to one function: the
transport under the gateway's Management API and the recording stand-ins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (status, headers, body); Content-Length is added by the server.
Reply = tuple[int, dict[str, str], bytes]
Respond = Callable[[str, str, bytes], Reply]


class LoopbackHttp:
    """Serves ``respond(method, path, body)`` from a background thread."""

    def __init__(
        self,
        respond: Respond,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str = "loopback-http",
    ) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler_class(respond))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _handler_class(respond: Respond) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = respond(self.command, self.path, body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

    return Handler
