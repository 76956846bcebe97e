"""The CloudFront viewer-request events Lambda@Edge hands to the edge functions,
as pure functions (the ``events/`` fixtures and the auth tests build them here).

Headers follow CloudFront's shape: lower-case name → list of ``{key, value}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DISTRIBUTION = "d111111abcdef8.cloudfront.net"
DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"
REQUEST_ID = "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
CLIENT_IP = "203.0.113.178"


def cookie_header(cookies: Mapping[str, str]) -> str:
    """One ``Cookie`` header value, cookies in the order given."""
    return "; ".join(f"{name}={content}" for name, content in cookies.items())


def viewer_request_event(
    uri: str,
    querystring: str = "",
    cookies: Mapping[str, str] | None = None,
    host: str = DISTRIBUTION,
    *,
    method: str = "GET",
    user_agent: str = "pytest",
    client_ip: str = CLIENT_IP,
    request_id: str = REQUEST_ID,
) -> dict[str, Any]:
    """A viewer-request event for ``uri`` (no leading ``?`` on ``querystring``)."""
    headers: dict[str, list[dict[str, str]]] = {
        "host": [{"key": "Host", "value": host}],
        "user-agent": [{"key": "User-Agent", "value": user_agent}],
    }
    if cookies:
        headers["cookie"] = [{"key": "Cookie", "value": cookie_header(cookies)}]
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": DISTRIBUTION,
                        "distributionId": DISTRIBUTION_ID,
                        "eventType": "viewer-request",
                        "requestId": request_id,
                    },
                    "request": {
                        "clientIp": client_ip,
                        "headers": headers,
                        "method": method,
                        "querystring": querystring,
                        "uri": uri,
                    },
                }
            }
        ]
    }


def request_of(event: Mapping[str, Any]) -> dict[str, Any]:
    """The ``request`` inside a viewer-request event."""
    return event["Records"][0]["cf"]["request"]


def is_forwarded_request(result: Any) -> bool:
    """An edge function's result is either the request to forward or a response
    (which carries ``status``)."""
    return isinstance(result, Mapping) and "uri" in result and "status" not in result
