"""Rules about paths: which are public, clean URL rewriting, and which return
targets are safe (same-origin relative paths only)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

LOGIN_PATH = "/login"
CALLBACK_PATH = "/auth/callback"
LOGOUT_PATH = "/auth/logout"
MAX_RETURN_PATH_CHARS = 2048
STATIC_EXTENSIONS = frozenset(
    {
        ".js",
        ".mjs",
        ".css",
        ".map",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".svg",
        ".webp",
        ".avif",
        ".ico",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".wasm",
        ".txt",
        ".webmanifest",
    }
)
_SAFE_PATH = re.compile(r"^/[^\\\s\x00-\x1f\x7f]*$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def is_static_asset(uri: str) -> bool:
    return posixpath.splitext(uri)[1].lower() in STATIC_EXTENSIONS


def is_public(uri: str, public_paths: Iterable[str]) -> bool:
    return is_static_asset(uri) or uri in tuple(public_paths)


def clean_url(uri: str) -> str:
    """`/join` → `/join.html`, `/docs/` → `/docs/index.html`; anything with an
    extension (and `/`, served by the distribution's default root object) unchanged."""
    if uri == "/":
        return uri
    if uri.endswith("/"):
        return uri + "index.html"
    if posixpath.splitext(uri)[1]:
        return uri
    return uri + ".html"


def safe_return_path(candidate: str | None) -> str | None:
    """The candidate if it is a path on this origin, else None.

    Refuses absolute URLs, scheme-relative `//host`, backslashes (browsers
    read `/\\host` as `//host`), whitespace and control characters."""
    if not candidate or len(candidate) > MAX_RETURN_PATH_CHARS:
        return None
    if not _SAFE_PATH.match(candidate) or candidate.startswith("//"):
        return None
    return candidate


def request_target(uri: str, querystring: str) -> str:
    return f"{uri}?{querystring}" if querystring else uri


def valid_host(host: str | None) -> str | None:
    return host if host and _HOST.match(host) else None
