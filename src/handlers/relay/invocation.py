"""What every entry point does around its work: parse the event once, build the
relay, time it, turn any failure into an outcome, log one line, answer 200."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import Any

from relay import frames, management, protocol
from relay.config import load_settings
from relay.events import WebSocketEvent, parse_event
from relay.logs import log_invocation
from relay.service import Relay
from relay.store import Store

OK: dict[str, Any] = {"statusCode": 200}
SERVER_ERROR: dict[str, Any] = {"statusCode": 500}


def build_relay(event: WebSocketEvent) -> Relay:
    settings = load_settings()
    endpoint = management.endpoint_url(event.api_id, settings.region, event.stage, os.environ)
    return Relay(event, settings, Store(settings), management.Management(endpoint))


def run(raw_event: Any, work: Callable[[Relay], None], *, reply_on_error: bool = False) -> dict:
    """Run ``work`` for one invocation; never raises. A failed ``$connect`` answers
    500 (the socket is refused); other routes always answer 200."""
    started = time.monotonic()
    event = parse_event(raw_event)
    relay: Relay | None = None
    error: Exception | None = None
    try:
        relay = build_relay(event)
        work(relay)
        outcome, response = relay.outcome, dict(OK)
    except Exception as exc:
        error = exc
        failed = SERVER_ERROR if event.route_key == "$connect" else OK
        outcome, response = "internal_error", dict(failed)
        if reply_on_error and relay is not None:
            _tell_sender_about_failure(relay)
    log_invocation(
        route=event.route_key,
        connection_id=event.connection_id,
        session_id=relay.session_id if relay else None,
        outcome=outcome,
        duration_ms=(time.monotonic() - started) * 1000,
        error=error,
    )
    return response


def _tell_sender_about_failure(relay: Relay) -> None:
    # Already failing: if even this post fails, the log line still records the cause.
    with contextlib.suppress(Exception):
        relay.reply(frames.error(protocol.CONNECTION_FAILED, "Internal error"))


def on_connect(relay: Relay) -> None:
    event = relay.event
    relay.store.put_connection(event.connection_id, event.source_ip, event.caller.user_id)
    relay.outcome = "connected"


def on_disconnect(relay: Relay) -> None:
    relay.handle_disconnect()


def on_message(relay: Relay) -> None:
    relay.handle(protocol.parse_frame(relay.event.body))
