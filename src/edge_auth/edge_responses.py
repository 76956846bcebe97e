"""CloudFront generated responses: redirects and small escaped HTML pages
(Lambda@Edge caps a generated viewer response at 40 KB)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

MAX_REFLECTED_CHARS = 500
_SECURITY_HEADERS = {
    "cache-control": ("Cache-Control", "no-store"),
    "x-content-type-options": ("X-Content-Type-Options", "nosniff"),
    "content-security-policy": (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    ),
}
_REASONS = {302: "Found", 400: "Bad Request", 500: "Internal Server Error"}
_REASONS.update({502: "Bad Gateway", 503: "Service Unavailable"})


def _headers(pairs: dict[str, tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    return {name: [{"key": key, "value": value}] for name, (key, value) in pairs.items()}


def redirect(location: str, cookies: Iterable[str] = ()) -> dict[str, Any]:
    headers = _headers({"location": ("Location", location), **_SECURITY_HEADERS})
    set_cookies = [{"key": "Set-Cookie", "value": cookie} for cookie in cookies]
    if set_cookies:
        headers["set-cookie"] = set_cookies
    return {"status": "302", "statusDescription": "Found", "headers": headers}


def escaped(text: str) -> str:
    """Shortened, then HTML-escaped: safe to place in element content or attributes."""
    if len(text) > MAX_REFLECTED_CHARS:
        text = text[:MAX_REFLECTED_CHARS] + "…"
    return html.escape(text, quote=True)


def html_page(
    status: int, title: str, message: str, link: tuple[str, str] | None = None
) -> dict[str, Any]:
    """A tiny page; every argument is escaped here, so callers pass raw text."""
    link_html = f'<p><a href="{escaped(link[0])}">{escaped(link[1])}</a></p>' if link else ""
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escaped(title)}</title></head><body>"
        f"<h1>{escaped(title)}</h1><p>{escaped(message)}</p>{link_html}</body></html>"
    )
    headers = _headers(
        {"content-type": ("Content-Type", "text/html; charset=utf-8"), **_SECURITY_HEADERS}
    )
    return {
        "status": str(status),
        "statusDescription": _REASONS.get(status, "Error"),
        "headers": headers,
        "body": body,
    }
