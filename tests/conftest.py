"""Fixtures shared by every test area: a real DynamoDB API (moto's server over
HTTP on loopback) and the fake credentials boto3 needs to talk to it."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from local_gateway.atomic_moto import make_dynamodb_atomic

REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def fake_aws_credentials() -> Iterator[None]:
    """No test may ever reach a real AWS account."""
    saved = {k: os.environ.get(k) for k in _FAKE_ENV}
    os.environ.update(_FAKE_ENV)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server on a free loopback port: a real HTTP DynamoDB API, each
    request applied atomically as DynamoDB does (see local_gateway.atomic_moto)."""
    make_dynamodb_atomic()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()
