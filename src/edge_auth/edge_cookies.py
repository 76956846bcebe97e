"""Reading the viewer's cookies and writing Set-Cookie values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ID_TOKEN = "id_token"
ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
LOGIN_NONCE = "auth_nonce"
REFRESH_PATH = "/auth"
NONCE_PATH = "/auth/callback"
NONCE_MAX_AGE_S = 600
REFRESH_MAX_AGE_S = 30 * 24 * 3600


def first_header(headers: Mapping[str, Any], name: str) -> str | None:
    entries = headers.get(name)
    if isinstance(entries, list) and entries and isinstance(entries[0], Mapping):
        value = entries[0].get("value")
        return value if isinstance(value, str) else None
    return None


def request_cookies(headers: Mapping[str, Any]) -> dict[str, str]:
    """Cookies from CloudFront's `cookie` header entries; the first of a name wins."""
    cookies: dict[str, str] = {}
    entries = headers.get("cookie")
    for entry in entries if isinstance(entries, list) else []:
        value = entry.get("value") if isinstance(entry, Mapping) else None
        if not isinstance(value, str):
            continue
        for pair in value.split(";"):
            name, sep, content = pair.strip().partition("=")
            if sep and name and name not in cookies:
                cookies[name] = content.strip().strip('"')
    return cookies


def set_cookie(name: str, value: str, max_age_s: int, path: str = "/") -> str:
    """A session cookie the page's scripts cannot read and other sites cannot send."""
    return f"{name}={value}; Path={path}; Max-Age={max_age_s}; HttpOnly; Secure; SameSite=Lax"


def clear_cookie(name: str, path: str = "/") -> str:
    return (
        f"{name}=; Path={path}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
        "HttpOnly; Secure; SameSite=Lax"
    )


def clear_session_cookies() -> list[str]:
    return [
        clear_cookie(ID_TOKEN),
        clear_cookie(ACCESS_TOKEN),
        clear_cookie(REFRESH_TOKEN, REFRESH_PATH),
        clear_cookie(LOGIN_NONCE, NONCE_PATH),
    ]
