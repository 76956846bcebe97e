"""moto's server with each DynamoDB request applied atomically, as DynamoDB does.

moto applies one request in several Python steps with no lock, so under a
threaded server two concurrent conditional writes can both pass their condition
(seen: two racing ``session:create`` of one id both winning). The relay's races
must be decided by its conditions and atomic updates, as in AWS, not by moto's
threading, so every DynamoDB action is serialised behind one lock.

Run as ``python -m local_gateway.atomic_moto -H HOST -p PORT`` (moto's own
server options), or call :func:`make_dynamodb_atomic` in a process that hosts
moto in-process.
"""

from __future__ import annotations

import sys
import threading

_REQUEST_LOCK = threading.Lock()


def make_dynamodb_atomic() -> None:
    """Serialise moto's DynamoDB actions in this process (idempotent)."""
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "is_atomic", False):
        return
    unlocked = DynamoHandler.call_action

    def atomic(self: DynamoHandler) -> object:
        with _REQUEST_LOCK:
            return unlocked(self)

    atomic.is_atomic = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = atomic  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    from moto.server import main as moto_main

    make_dynamodb_atomic()
    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
