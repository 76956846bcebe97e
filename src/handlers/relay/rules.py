"""Who may do what, and what a session's status becomes. Pure functions."""

from __future__ import annotations

from typing import Any

from relay.config import CacheMode
from relay.events import Caller
from relay.models import ACTIVE, CLOSED, Role, Session


def sender_role(session: Session, connection_id: str) -> Role | None:
    """The sender's place in ``session``, or ``None`` when it is not in it."""
    if session.cli_connection_id == connection_id:
        return "cli"
    if connection_id in session.web_connections:
        return "web"
    return None


def is_owner(session: Session, caller: Caller) -> bool:
    return caller.authenticated and session.user_id == caller.user_id


def may_join(session: Session, caller: Caller) -> bool:
    """An owned session refuses only a caller signed in as someone else. Anonymous
    callers get in (the existing web page opens its socket without a token); a
    deployment that wants owners only turns anonymous access off at the authorizer."""
    return session.user_id is None or not caller.authenticated or is_owner(session, caller)


def may_reconnect(session: Session, caller: Caller, public_key: str) -> bool:
    """Same key pair as before, and the owner when the session has one."""
    owner_ok = session.user_id is None or is_owner(session, caller)
    return session.cli_public_key == public_key and owner_ok


def is_expired(session: Session, now_seconds: int) -> bool:
    return session.expires_at is not None and session.expires_at <= now_seconds


def status_after_join(session: Session) -> str:
    return ACTIVE if session.cli_connection_id else session.status


def should_cache(mode: CacheMode, delivered: int) -> bool:
    """Cache a CLI-to-web envelope? ``undelivered``: only if it reached no web."""
    if mode == "all":
        return True
    if mode == "undelivered":
        return delivered == 0
    return False


def ws_endpoint(public_ws_url: str | None, domain_name: str, stage: str) -> str:
    if public_ws_url:
        return public_ws_url
    return f"wss://{domain_name}/{stage}" if stage else f"wss://{domain_name}"


def session_info(session: Session) -> dict[str, Any]:
    info: dict[str, Any] = {
        "sessionId": session.session_id,
        "status": session.status,
        "createdAt": session.created_at,
        "lastActiveAt": session.last_active_at,
    }
    info.update(session.details)
    return info


def listed_sessions(sessions: list[Session], include_inactive: bool) -> list[dict[str, Any]]:
    """Newest first; ``closed`` ones only when asked for."""
    kept = [s for s in sessions if include_inactive or s.status != CLOSED]
    kept.sort(key=lambda s: s.created_at, reverse=True)
    return [session_info(s) for s in kept]


def join_limit_reached(failures: int, limit: int) -> bool:
    return failures >= limit
