"""The OAuth `state` value: `{nonce}.{base64url(return path)}`.

The nonce is also set as a short-lived HttpOnly cookie when login starts; the
callback accepts the code only if the two match (login CSRF protection)."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets

from edge_paths import safe_return_path

NONCE_BYTES = 32


def new_nonce() -> str:
    return secrets.token_urlsafe(NONCE_BYTES)


def make_state(nonce: str, return_path: str) -> str:
    encoded = base64.urlsafe_b64encode(return_path.encode("utf-8")).rstrip(b"=").decode()
    return f"{nonce}.{encoded}"


def state_matches_nonce(state: str, nonce_cookie: str | None) -> bool:
    if not nonce_cookie:
        return False
    nonce = state.partition(".")[0]
    return hmac.compare_digest(nonce.encode(), nonce_cookie.encode())


def return_path_from_state(state: str) -> str:
    """The safe return path carried in `state`, or `/`."""
    encoded = state.partition(".")[2]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return "/"
    return safe_return_path(raw) or "/"
