"""CloudFront viewer-request events (built by ``local_gateway.edge_events``, the
same builder the ``events/`` fixtures use) and small readers for the responses
the edge functions return."""

from __future__ import annotations

import urllib.parse
from typing import Any

from local_gateway.edge_events import DISTRIBUTION, request_of, viewer_request_event

__all__ = ["DISTRIBUTION", "request_of", "viewer_request_event"]


def header(response: dict[str, Any], name: str) -> str:
    return response["headers"][name][0]["value"]


def set_cookies(response: dict[str, Any]) -> dict[str, str]:
    """Cookie name → the whole Set-Cookie value."""
    return {
        entry["value"].split("=", 1)[0]: entry["value"]
        for entry in response["headers"].get("set-cookie", [])
    }


def cookie_value(set_cookie_value: str) -> str:
    return set_cookie_value.split(";", 1)[0].split("=", 1)[1]


def location_query(response: dict[str, Any]) -> dict[str, str]:
    query = urllib.parse.urlsplit(header(response, "location")).query
    return {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
