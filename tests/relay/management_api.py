"""A real HTTP stand-in for the API Gateway Management API, on loopback.

It speaks the wire format boto3's ``apigatewaymanagementapi`` client uses:
``POST /@connections/{id}`` (also under a ``/{stage}`` prefix) records the body,
``DELETE`` records a close, and ids marked gone answer 410 ``GoneException``."""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

_PATH = re.compile(r"^(?:/[^/@]+)?/@connections/([^/?]+)")


class ManagementApiStandIn:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._posts: dict[str, list[bytes]] = defaultdict(list)
        self._gone: set[str] = set()
        self._failing: set[str] = set()
        self.closed: list[str] = []
        self.paths: list[str] = []
        self._together: tuple[set[str], threading.Barrier] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ManagementApiStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self._posts.clear()
            self._gone.clear()
            self._failing.clear()
            self._together = None
            self.closed.clear()
            self.paths.clear()

    def hold_together(self, connection_ids: set[str], timeout: float = 5.0) -> None:
        """Posts to these ids wait for one another: they all succeed only if they
        arrive concurrently (a sequential sender breaks the barrier and gets 500s)."""
        with self._lock:
            self._together = (
                set(connection_ids),
                threading.Barrier(len(connection_ids), timeout=timeout),
            )

    def mark_failing(self, connection_id: str) -> None:
        """Every request for this id answers 500 (after boto3's retries: a failure)."""
        with self._lock:
            self._failing.add(connection_id)

    def mark_gone(self, connection_id: str) -> None:
        with self._lock:
            self._gone.add(connection_id)

    def raw_posts(self, connection_id: str) -> list[bytes]:
        with self._lock:
            return list(self._posts.get(connection_id, []))

    def frames(self, connection_id: str) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.raw_posts(connection_id)]

    def was_closed(self, connection_id: str) -> bool:
        with self._lock:
            return connection_id in self.closed

    def _answer(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        match = _PATH.match(request.path)
        if match is None:
            self._send(request, 404, {"message": "Not found"})
            return
        connection_id = unquote(match.group(1))
        together = self._together
        if method == "POST" and together and connection_id in together[0]:
            try:
                together[1].wait()
            except threading.BrokenBarrierError:
                self._send(request, 500, {"message": "posts were not concurrent"})
                return
        with self._lock:
            self.paths.append(request.path)
            failing = connection_id in self._failing
            gone = connection_id in self._gone and not failing
            if not failing and not gone and method == "POST":
                self._posts[connection_id].append(body)
            if not failing and not gone and method == "DELETE":
                self.closed.append(connection_id)
                self._gone.add(connection_id)
        if failing:
            self._send(request, 500, {"message": "Internal server error"})
        elif gone:
            self._send(request, 410, {"message": "Gone"}, error_type="GoneException")
        else:
            self._send(request, 204 if method == "DELETE" else 200, None)

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        payload: dict[str, Any] | None,
        error_type: str | None = None,
    ) -> None:
        data = json.dumps(payload).encode() if payload is not None else b""
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        if error_type:
            request.send_header("x-amzn-ErrorType", error_type)
        request.end_headers()
        if data:
            request.wfile.write(data)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                stand_in._answer(self, "POST")

            def do_DELETE(self) -> None:  # noqa: N802
                stand_in._answer(self, "DELETE")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
