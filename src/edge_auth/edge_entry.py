"""The shell both edge functions share: take the request out of the CloudFront
event, run the function's ``handle`` with the baked configuration, and answer
every failure with a small page instead of an unhandled error at the edge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge_config import EdgeConfig, EdgeConfigError, current_config
from edge_log import log_decision
from edge_responses import html_page

Handle = Callable[[dict[str, Any], EdgeConfig], dict[str, Any]]


def serve(
    function: str,
    event: dict[str, Any],
    handle: Handle,
    retry_link: tuple[str, str] | None = None,
) -> dict[str, Any]:
    try:
        request = event["Records"][0]["cf"]["request"]
    except (KeyError, IndexError, TypeError):
        log_decision(function, "?", "bad-request", "not a CloudFront event", True)
        return html_page(400, "Bad request", "Not a CloudFront viewer request.")
    try:
        return handle(request, current_config())
    except EdgeConfigError as exc:
        log_decision(function, str(request.get("uri")), "error", str(exc), True)
        return html_page(500, "Sign-in is misconfigured", "The edge configuration is unreadable.")
    except Exception as exc:  # last line of defence: never an unhandled error at the edge
        log_decision(function, str(request.get("uri")), "error", type(exc).__name__, True)
        return html_page(500, "Something went wrong", "Please try again.", retry_link)
