"""The events handed to the functions have API Gateway's shape."""

from __future__ import annotations

import base64
import re

from local_gateway import events

API = events.ApiContext(
    api_id="abc123", stage="prod", domain_name="example.test", region="eu-west-1"
)
CONN = events.ConnectionInfo(
    connection_id="L0SM9cOFvHcCIhw=",
    connected_at=1_700_000_000_000,
    source_ip="203.0.113.9",
    headers=[("Host", "example.test"), ("X-Test", "1"), ("X-Test", "2")],
    query=[("token", "t1"), ("token", "t2"), ("v", "")],
    user_agent="pytest",
    authorizer={"userId": "u1", "isAuthenticated": "true", "principalId": "u1"},
)


def test_connection_ids_look_like_api_gateways() -> None:
    assert re.fullmatch(r"[A-Za-z0-9]{15}=", events.new_connection_id())


def test_connection_ids_are_unique() -> None:
    assert len({events.new_connection_id() for _ in range(1000)}) == 1000


def test_connect_event_carries_route_and_event_type() -> None:
    context = events.connect_event(API, CONN, "req=", 1_700_000_000_100)["requestContext"]
    assert (context["routeKey"], context["eventType"]) == ("$connect", "CONNECT")


def test_connect_event_context_names_connection_stage_api_and_source() -> None:
    context = events.connect_event(API, CONN, "req=", 1_700_000_000_100)["requestContext"]
    assert context["connectionId"] == CONN.connection_id
    assert (context["stage"], context["apiId"], context["domainName"]) == (
        "prod",
        "abc123",
        "example.test",
    )
    assert context["identity"]["sourceIp"] == "203.0.113.9"
    assert (context["connectedAt"], context["requestTimeEpoch"]) == (
        1_700_000_000_000,
        1_700_000_000_100,
    )


def test_connect_event_keeps_last_header_value_and_all_in_multi_value_headers() -> None:
    event = events.connect_event(API, CONN, "req=", 1)
    assert event["headers"]["X-Test"] == "2"
    assert event["multiValueHeaders"]["X-Test"] == ["1", "2"]


def test_connect_event_query_string_parameters() -> None:
    event = events.connect_event(API, CONN, "req=", 1)
    assert event["queryStringParameters"] == {"token": "t2", "v": ""}
    assert event["multiValueQueryStringParameters"]["token"] == ["t1", "t2"]


def test_connect_event_without_query_has_no_query_keys() -> None:
    bare = events.ConnectionInfo("L0SM9cOFvHcCIhw=", 1, "127.0.0.1")
    assert "queryStringParameters" not in events.connect_event(API, bare, "req=", 1)


def test_message_event_passes_text_body_as_sent() -> None:
    event = events.message_event(API, CONN, "$default", '{"a": 1 }', "req=", 2, "msg=")
    assert (event["body"], event["isBase64Encoded"]) == ('{"a": 1 }', False)
    assert event["requestContext"]["messageId"] == "msg="
    assert event["requestContext"]["eventType"] == "MESSAGE"


def test_message_event_base64_encodes_binary_frames() -> None:
    event = events.message_event(API, CONN, "$default", b"\x00\xff", "req=", 2, "msg=")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_later_events_carry_the_authorizer_context() -> None:
    event = events.message_event(API, CONN, "$default", "x", "req=", 2, "msg=")
    assert event["requestContext"]["authorizer"]["userId"] == "u1"


def test_disconnect_event_has_status_code_and_reason() -> None:
    context = events.disconnect_event(API, CONN, 1001, "", "req=", 3)["requestContext"]
    assert (context["eventType"], context["disconnectStatusCode"]) == ("DISCONNECT", 1001)
    assert context["disconnectReason"] == events.DISCONNECT_REASONS[1001]


def test_authorizer_event_has_method_arn_of_the_connect_route() -> None:
    event = events.authorizer_event(API, CONN, "req=", 1)
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/$connect"


def test_authorizer_event_has_no_authorizer_context_yet() -> None:
    assert "authorizer" not in events.authorizer_event(API, CONN, "req=", 1)["requestContext"]


def test_request_time_is_in_api_gateways_format() -> None:
    assert events.request_time(1_549_711_904_238) == "09/Feb/2019:11:31:44 +0000"


def test_internal_server_error_frame_matches_api_gateway() -> None:
    frame = events.internal_server_error_frame("c=", "r=")
    assert frame == {"message": "Internal server error", "connectionId": "c=", "requestId": "r="}


def test_client_headers_are_reproducible_with_fixed_key_and_trace() -> None:
    first = events.client_headers("h", "1.2.3.4", websocket_key="k", trace_id="t")
    assert first == events.client_headers("h", "1.2.3.4", websocket_key="k", trace_id="t")
