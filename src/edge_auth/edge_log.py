"""One JSON log line per decision; never tokens, codes or cookies."""

from __future__ import annotations

import json
import logging

logger = logging.getLogger("edge_auth")
logger.setLevel(logging.INFO)


def log_decision(function: str, uri: str, outcome: str, reason: str, refused: bool) -> None:
    """`refused` lines (bad cookie, bad callback) are warnings; routine ones info."""
    line = {"function": function, "uri": uri[:200], "outcome": outcome, "reason": reason}
    logger.log(logging.WARNING if refused else logging.INFO, json.dumps(line))
