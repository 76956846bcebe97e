"""The relay's behaviour: one ``handle_<message>`` per protocol message, plus the
departures ($disconnect, or a peer found gone) that send the notices.

Rules come from ``relay.rules`` (pure); I/O goes through ``Store`` (DynamoDB)
and ``Management`` (posts to sockets)."""

from __future__ import annotations

import time
from typing import Any

from relay import frames, protocol, rules
from relay.config import Settings
from relay.events import WebSocketEvent
from relay.management import DELIVERED, GONE, Management, gone_ids
from relay.models import Session
from relay.protocol import (
    CONNECTION_FAILED,
    INVALID_MESSAGE,
    RATE_LIMITED,
    SESSION_EXISTS,
    SESSION_FULL,
    SESSION_NOT_FOUND,
    UNAUTHORIZED,
    ProtocolError,
)
from relay.store import Store

CLI_NOT_CONNECTED = "CLI not connected"
SESSION_ID_MISMATCH = "Session ID mismatch"


def _now_seconds() -> int:
    return int(time.time())


class Relay:
    """Handles one invocation for the connection that sent (or lost) a frame."""

    def __init__(
        self, event: WebSocketEvent, settings: Settings, store: Store, management: Management
    ) -> None:
        self.event = event
        self.me = event.connection_id
        self.caller = event.caller
        self.settings = settings
        self.store = store
        self.management = management
        self.session_id: str | None = None
        self.outcome = "ok"
        self._sender_departed = False

    # ---- sending -----------------------------------------------------------

    def send(self, connection_id: str, frame: dict[str, Any]) -> str:
        return self.management.post(connection_id, frames.encode(frame))

    def reply(self, frame: dict[str, Any]) -> None:
        if self.send(self.me, frame) == GONE:
            self.sender_gone()

    def sender_gone(self) -> None:
        """A post found the sender's own socket gone: handled as its $disconnect (once)."""
        if not self._sender_departed:
            self._sender_departed = True
            self.depart(self.me)

    def fail(self, code: str, message: str) -> None:
        self.outcome = code
        self.reply(frames.error(code, message))

    def ws_endpoint(self) -> str:
        return rules.ws_endpoint(
            self.settings.public_ws_url, self.event.domain_name, self.event.stage
        )

    # ---- dispatch ----------------------------------------------------------

    def handle(self, message: protocol.Message | ProtocolError) -> None:
        if isinstance(message, ProtocolError):
            self.fail(message.code, message.message)
            return
        handler = _HANDLERS[type(message)]
        handler(self, message)

    # ---- CLI: create and reconnect ----------------------------------------

    def _cli_claim_allowed(self, session_id: str) -> bool:
        """A web never becomes a CLI, and a CLI socket serves one session."""
        connection = self.store.get_connection(self.me)
        if connection is None or connection.role is None:
            return True
        if connection.role == "web":
            self.fail(INVALID_MESSAGE, "A web connection cannot act as a CLI")
            return False
        if connection.session_id not in (None, session_id):
            self.fail(INVALID_MESSAGE, "This connection already serves another session")
            return False
        return True

    def handle_session_create(self, message: protocol.SessionCreate) -> None:
        self.session_id = message.session_id
        if not self._cli_claim_allowed(message.session_id):
            return
        if not self.store.create_session(
            message.session_id, self.me, message.public_key, self.caller.user_id
        ):
            self.fail(SESSION_EXISTS, "Session already exists")
            return
        self.store.assign_connection(self.me, "cli", message.session_id)
        self.outcome = "created"
        self.reply(frames.session_created(message.session_id, self.ws_endpoint()))

    def handle_session_reconnect(self, message: protocol.SessionReconnect) -> None:
        sid = message.session_id
        self.session_id = sid
        if not self._cli_claim_allowed(sid):
            return
        session = self.store.get_session(sid)
        if session is None or rules.is_expired(session, _now_seconds()):
            if self.store.create_session(sid, self.me, message.public_key, self.caller.user_id):
                self.store.assign_connection(self.me, "cli", sid)
                self.outcome = "recreated"
                self.reply(frames.session_reconnected(sid, self.ws_endpoint()))
                return
            session = self.store.get_session(sid)
            if session is None:
                self.fail(CONNECTION_FAILED, "Session could not be restored")
                return
        if not rules.may_reconnect(session, self.caller, message.public_key):
            self.fail(UNAUTHORIZED, "Not allowed to reconnect to this session")
            return
        claimed = self.store.claim_cli(sid, self.me, message.public_key)
        if claimed is None:
            self.fail(UNAUTHORIZED, "Not allowed to reconnect to this session")
            return
        self.store.assign_connection(self.me, "cli", sid)
        previous = session.cli_connection_id
        if previous and previous != self.me:
            # The CLI moved to this socket: retire the old one for good.
            self.store.delete_connection(previous)
            self.management.close(previous)
        self.outcome = "reconnected"
        self.reply(frames.session_reconnected(sid, self.ws_endpoint()))
        if self._sender_departed:
            return  # the new socket is gone already: its webs heard cli:disconnected
        results = self.management.broadcast(
            claimed.web_connections, frames.encode(frames.cli_reconnected(message.public_key))
        )
        for web in gone_ids(results):
            self.web_gone(sid, web)

    # ---- web: join and leave ----------------------------------------------

    def handle_session_join(self, message: protocol.SessionJoin) -> None:
        sid = message.session_id
        self.session_id = sid
        connection = self.store.get_connection(self.me)
        if connection is not None and connection.role == "cli":
            self.fail(INVALID_MESSAGE, "A CLI connection cannot join as a web")
            return
        ip = self.event.source_ip
        limit = self.settings.failed_joins_per_ip
        if ip and rules.join_limit_reached(self.store.failed_joins_from_ip(ip), limit):
            self.rate_limit()
            return
        session = self.store.get_session(sid)
        if (
            session is None
            or rules.is_expired(session, _now_seconds())
            or not rules.may_join(session, self.caller)
        ):
            # Expired answers as absent: the existing web app drops the session it
            # keeps in sessionStorage only on SESSION_NOT_FOUND (the old server's code).
            self.join_failed()
            return
        joined = self.store.add_web(sid, self.me, rules.status_after_join(session))
        if joined is None:
            if self.store.get_session(sid) is None:
                self.join_failed()
            else:
                self.fail(SESSION_FULL, "Session is full")
            return
        self.store.assign_connection(self.me, "web", sid)
        if connection is not None and connection.session_id not in (None, sid):
            self.web_left(connection.session_id, self.me)
        self.outcome = "joined"
        cli = joined.cli_connection_id
        cli_gone = False
        if cli:
            notice = frames.web_connected(message.public_key, self.me)
            cli_gone = self.send(cli, notice) == GONE
        self.reply(frames.session_joined(sid, joined.cli_public_key, not cli or cli_gone))
        if cli and cli_gone:
            self.cli_gone(sid, cli)  # tells every web, this one included
        elif not cli:
            self.reply(frames.cli_disconnected())

    def join_failed(self) -> None:
        """SESSION_NOT_FOUND (also for an expired or someone else's session: no
        existence oracle), counted per connection and per source IP."""
        failures = self.store.count_failed_join(self.me)
        ip = self.event.source_ip
        ip_failures = self.store.count_failed_join_from_ip(ip) if ip else 0
        self.fail(SESSION_NOT_FOUND, "Session not found or expired")
        if rules.join_limit_reached(
            failures, self.settings.failed_joins_per_connection
        ) or rules.join_limit_reached(ip_failures, self.settings.failed_joins_per_ip):
            self.rate_limit()

    def rate_limit(self) -> None:
        self.fail(RATE_LIMITED, "Too many failed joins")
        self.management.close(self.me)

    def handle_session_leave(self, message: protocol.SessionLeave) -> None:
        connection = self.store.get_connection(self.me)
        if connection is None or connection.role != "web" or not connection.session_id:
            self.fail(INVALID_MESSAGE, "Only a web in a session can leave it")
            return
        self.session_id = connection.session_id
        self.store.detach_connection(self.me, connection.session_id)
        self.web_left(connection.session_id, self.me)
        self.outcome = "left"

    # ---- the hot path ------------------------------------------------------

    def handle_envelope(self, message: protocol.Envelope) -> None:
        """One consistent GetItem, one post per recipient, no write unless cached."""
        sid = message.session_id
        self.session_id = sid
        session = self.store.get_session(sid)
        if session is None:
            self.fail(CONNECTION_FAILED, "Session not found")
            return
        role = rules.sender_role(session, self.me)
        if role is None:
            self.fail(INVALID_MESSAGE, SESSION_ID_MISMATCH)
            return
        data = message.raw.encode("utf-8")
        if role == "cli":
            results = self.management.broadcast(session.web_connections, data)
            delivered = sum(1 for result in results.values() if result == DELIVERED)
            if rules.should_cache(self.settings.cache_mode, delivered):
                self.store.cache_envelope(sid, message.raw)
                self.outcome = "cached" if delivered == 0 else "relayed"
            else:
                self.outcome = "relayed" if delivered else "dropped"
            for web in gone_ids(results):
                self.web_gone(sid, web)
            return
        cli = session.cli_connection_id
        if not cli:
            self.fail(CONNECTION_FAILED, CLI_NOT_CONNECTED)
            return
        result = self.management.post(cli, data)
        if result == GONE:
            self.cli_gone(sid, cli)
            self.fail(CONNECTION_FAILED, CLI_NOT_CONNECTED)
        elif result != DELIVERED:
            self.fail(CONNECTION_FAILED, "Delivery to the CLI failed")
        else:
            self.outcome = "relayed"

    # ---- small requests ----------------------------------------------------

    def handle_ping(self, message: protocol.Ping) -> None:
        self.outcome = "pong"
        self.reply(frames.pong(int(time.time() * 1000)))

    def handle_state_request(self, message: protocol.StateRequest) -> None:
        sid = message.session_id
        self.session_id = sid
        session = self.store.get_session(sid)
        if session is None or rules.sender_role(session, self.me) is None:
            self.fail(INVALID_MESSAGE, SESSION_ID_MISMATCH)
            return
        self.outcome = "replayed"
        for raw in self.store.cached_envelopes(sid, message.since_seq):
            if self.management.post(self.me, raw.encode("utf-8")) == GONE:
                self.sender_gone()
                return

    def handle_session_update(self, message: protocol.SessionUpdate) -> None:
        connection = self.store.get_connection(self.me)
        if connection is None or connection.role != "cli" or not connection.session_id:
            self.fail(UNAUTHORIZED, "Only the session's CLI may update it")
            return
        self.session_id = connection.session_id
        if not message.fields:
            self.outcome = "unchanged"
            return
        if not self.store.update_details(connection.session_id, self.me, message.fields):
            self.fail(UNAUTHORIZED, "Only the session's CLI may update it")
            return
        self.outcome = "updated"

    # ---- an owner's own sessions ------------------------------------------

    def _require_sign_in(self) -> bool:
        if self.caller.authenticated:
            return True
        self.fail(UNAUTHORIZED, "Sign in to manage sessions")
        return False

    def handle_session_list_request(self, message: protocol.SessionListRequest) -> None:
        if not self._require_sign_in():
            return
        now = _now_seconds()
        sessions = [
            s
            for s in self.store.sessions_of_user(self.caller.user_id or "")
            if not rules.is_expired(s, now)
        ]
        self.outcome = "listed"
        self.reply(
            frames.session_list_response(rules.listed_sessions(sessions, message.include_inactive))
        )

    def _owned_session(self, session_id: str) -> Session | None:
        session = self.store.get_session(session_id)
        if session is None or not rules.is_owner(session, self.caller):
            return None
        return None if rules.is_expired(session, _now_seconds()) else session

    def handle_session_info_request(self, message: protocol.SessionInfoRequest) -> None:
        self.session_id = message.session_id
        if not self._require_sign_in():
            return
        session = self._owned_session(message.session_id)
        self.outcome = "info"
        self.reply(frames.session_info_response(rules.session_info(session) if session else None))

    def handle_session_delete_request(self, message: protocol.SessionDeleteRequest) -> None:
        sid = message.session_id
        self.session_id = sid
        if not self._require_sign_in():
            return
        session = self._owned_session(sid)
        if session is None:
            self.outcome = "refused"
            self.reply(frames.session_delete_response(sid, False, "Session not found"))
            return
        members = set(self.store.connections_in_session(sid)) | set(session.web_connections)
        if session.cli_connection_id:
            members.add(session.cli_connection_id)
        self.store.delete_cached(sid)
        self.store.delete_session(sid)
        for connection_id in members:
            self.store.delete_connection(connection_id)
        self.outcome = "deleted"
        self.reply(frames.session_delete_response(sid, True))
        for connection_id in sorted(members):
            self.management.close(connection_id)

    # ---- departures --------------------------------------------------------

    def handle_disconnect(self) -> None:
        """$disconnect: forget the socket, then tell its peers."""
        self._sender_departed = True
        session_id = self.depart(self.me)
        if session_id is None:
            self.outcome = "forgotten"
            return
        self.session_id = session_id
        self.outcome = "disconnected"

    def depart(self, connection_id: str) -> str | None:
        """Forget a socket and tell its peers; the session it was in, if any."""
        connection = self.store.delete_connection(connection_id)
        if connection is None or not connection.session_id:
            return None
        if connection.role == "web":
            self.web_left(connection.session_id, connection_id)
        elif connection.role == "cli":
            self.cli_left(connection.session_id, connection_id)
        return connection.session_id

    def web_gone(self, session_id: str, connection_id: str) -> None:
        self.store.delete_connection(connection_id)
        self.web_left(session_id, connection_id)

    def cli_gone(self, session_id: str, connection_id: str) -> None:
        self.store.delete_connection(connection_id)
        self.cli_left(session_id, connection_id)

    def web_left(self, session_id: str, connection_id: str) -> None:
        """Remove a web (once: only the update that removes it sends the notice)."""
        session = self.store.remove_web(session_id, connection_id)
        if session is None or not session.cli_connection_id:
            return
        cli = session.cli_connection_id
        if self.send(cli, frames.web_disconnected(connection_id)) == GONE:
            self.cli_gone(session_id, cli)

    def cli_left(self, session_id: str, connection_id: str) -> None:
        """Clear the CLI (once), session ``closed``; every web hears ``cli:disconnected``."""
        session = self.store.release_cli(session_id, connection_id)
        if session is None:
            return
        results = self.management.broadcast(
            session.web_connections, frames.encode(frames.cli_disconnected())
        )
        for web in gone_ids(results):
            self.web_gone(session_id, web)


_HANDLERS: dict[type, Any] = {
    protocol.SessionCreate: Relay.handle_session_create,
    protocol.SessionReconnect: Relay.handle_session_reconnect,
    protocol.SessionJoin: Relay.handle_session_join,
    protocol.Envelope: Relay.handle_envelope,
    protocol.Ping: Relay.handle_ping,
    protocol.StateRequest: Relay.handle_state_request,
    protocol.SessionUpdate: Relay.handle_session_update,
    protocol.SessionLeave: Relay.handle_session_leave,
    protocol.SessionListRequest: Relay.handle_session_list_request,
    protocol.SessionInfoRequest: Relay.handle_session_info_request,
    protocol.SessionDeleteRequest: Relay.handle_session_delete_request,
}
