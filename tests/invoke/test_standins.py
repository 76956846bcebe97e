"""The recording Management API answers boto3 as API Gateway would."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from local_gateway.standins import RecordingManagementApi


@pytest.fixture()
def management() -> Iterator[RecordingManagementApi]:
    api = RecordingManagementApi("prod")
    api.start()
    yield api
    api.stop()


def client(api: RecordingManagementApi):  # noqa: ANN201 - a boto3 client
    return boto3.client(
        "apigatewaymanagementapi", endpoint_url=api.endpoint, region_name="us-east-1"
    )


def test_post_to_an_open_socket_is_delivered_and_recorded(
    management: RecordingManagementApi,
) -> None:
    management.reset({"abcdefghijklmno="})
    client(management).post_to_connection(ConnectionId="abcdefghijklmno=", Data=b'{"type":"x"}')
    (call,) = management.calls
    assert (call.method, call.connection_id, call.status, call.frame) == (
        "POST",
        "abcdefghijklmno=",
        200,
        {"type": "x"},
    )


def test_post_to_any_other_socket_is_gone(management: RecordingManagementApi) -> None:
    api = client(management)
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId="closedsocket0000=", Data=b"{}")


def test_deleted_socket_is_gone_afterwards(management: RecordingManagementApi) -> None:
    management.reset({"abcdefghijklmno="})
    api = client(management)
    api.delete_connection(ConnectionId="abcdefghijklmno=")
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId="abcdefghijklmno=", Data=b"{}")


def test_reset_starts_a_new_record(management: RecordingManagementApi) -> None:
    management.reset({"abcdefghijklmno="})
    client(management).post_to_connection(ConnectionId="abcdefghijklmno=", Data=b"{}")
    management.reset(set())
    assert management.calls == []
