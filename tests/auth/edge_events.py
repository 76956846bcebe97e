"""CloudFront viewer-request events, shaped like the ones Lambda@Edge receives,
and small readers for the responses the edge functions return."""

from __future__ import annotations

import urllib.parse
from typing import Any

DISTRIBUTION = "d111111abcdef8.cloudfront.net"


def viewer_request_event(
    uri: str,
    querystring: str = "",
    cookies: dict[str, str] | None = None,
    host: str = DISTRIBUTION,
) -> dict[str, Any]:
    headers: dict[str, list[dict[str, str]]] = {
        "host": [{"key": "Host", "value": host}],
        "user-agent": [{"key": "User-Agent", "value": "pytest"}],
    }
    if cookies:
        value = "; ".join(f"{name}={content}" for name, content in cookies.items())
        headers["cookie"] = [{"key": "Cookie", "value": value}]
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": DISTRIBUTION,
                        "distributionId": "EDFDVBD6EXAMPLE",
                        "eventType": "viewer-request",
                        "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
                    },
                    "request": {
                        "clientIp": "203.0.113.178",
                        "headers": headers,
                        "method": "GET",
                        "querystring": querystring,
                        "uri": uri,
                    },
                }
            }
        ]
    }


def request_of(event: dict[str, Any]) -> dict[str, Any]:
    return event["Records"][0]["cf"]["request"]


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
