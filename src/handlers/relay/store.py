"""DynamoDB I/O for the three tables (names from the environment).

- connections: ``connectionId``; GSI ``sessionId-index``. Besides one item per
  socket it holds the per-source-IP failed-join counters, one item per IP and
  time window keyed ``failed-joins#{ip}#{windowStart}`` (API Gateway connection
  ids never contain ``#``). Such an item has no ``sessionId``, so it never shows
  in the GSI, and its ``ttl`` lets DynamoDB drop it after the window. The window
  is part of the key, so an expired-but-not-yet-deleted counter is never read.
- sessions: ``sessionId``; GSI ``userId-index`` (sparse: no ``userId`` for
  anonymous sessions). Membership is the string set ``webConnections``, changed
  only by single atomic ADD/DELETE updates; ``nextSeq`` allocates cache seqs.
- messages: ``sessionId`` + ``seq``; bounded per session.

Every read of a session is strongly consistent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from relay import clients
from relay.config import Settings
from relay.models import CLOSED, PAUSED, PENDING, Connection, Role, Session
from relay.protocol import UPDATE_LIST_FIELD, UPDATE_STRING_FIELDS

DETAIL_FIELDS = (*UPDATE_STRING_FIELDS, UPDATE_LIST_FIELD)


def now_ms() -> int:
    return int(time.time() * 1000)


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _str(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value and "S" in value else None


def _int(item: dict[str, Any], name: str, default: int = 0) -> int:
    value = item.get(name)
    return int(value["N"]) if value and "N" in value else default


def _is_condition_failure(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def session_from_item(item: dict[str, Any]) -> Session:
    details: dict[str, Any] = {}
    for name in DETAIL_FIELDS:
        value = item.get(name)
        if not value:
            continue
        if "S" in value:
            details[name] = value["S"]
        elif "L" in value:
            details[name] = [v.get("S", "") for v in value["L"]]
    return Session(
        session_id=item["sessionId"]["S"],
        cli_public_key=_str(item, "cliPublicKey") or "",
        status=_str(item, "status") or PENDING,
        created_at=_int(item, "createdAt"),
        last_active_at=_int(item, "lastActiveAt"),
        cli_connection_id=_str(item, "cliConnectionId"),
        web_connections=frozenset(item.get("webConnections", {}).get("SS", [])),
        user_id=_str(item, "userId"),
        expires_at=_int(item, "ttl") or None,
        details=details,
    )


def connection_from_item(item: dict[str, Any]) -> Connection:
    role = _str(item, "role")
    return Connection(
        connection_id=item["connectionId"]["S"],
        role=role if role in ("cli", "web") else None,  # type: ignore[arg-type]
        session_id=_str(item, "sessionId"),
        user_id=_str(item, "userId"),
        failed_joins=_int(item, "failedJoins"),
    )


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = clients.dynamodb()

    def _ttl(self, seconds: int) -> dict[str, str]:
        return _n(int(time.time()) + seconds)

    def _conditional_update(self, **request: Any) -> dict[str, Any] | None:
        """An UpdateItem whose failed condition is an answer (``None``), not an error."""
        from botocore.exceptions import ClientError

        try:
            return self.db.update_item(**request)
        except ClientError as error:
            if _is_condition_failure(error):
                return None
            raise

    # ---- connections -------------------------------------------------------

    def put_connection(
        self, connection_id: str, source_ip: str | None, user_id: str | None
    ) -> None:
        item = {
            "connectionId": _s(connection_id),
            "connectedAt": _n(now_ms()),
            "ttl": self._ttl(self.settings.connection_ttl_seconds),
        }
        if source_ip:
            item["sourceIp"] = _s(source_ip)
        if user_id:
            item["userId"] = _s(user_id)
        self.db.put_item(TableName=self.settings.connections_table, Item=item)

    def get_connection(self, connection_id: str) -> Connection | None:
        response = self.db.get_item(
            TableName=self.settings.connections_table,
            Key={"connectionId": _s(connection_id)},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return connection_from_item(item) if item else None

    def assign_connection(self, connection_id: str, role: Role, session_id: str) -> None:
        """The connection now plays ``role`` in ``session_id``; its failed joins reset."""
        self.db.update_item(
            TableName=self.settings.connections_table,
            Key={"connectionId": _s(connection_id)},
            UpdateExpression="SET #role = :role, sessionId = :sid, #ttl = :ttl REMOVE failedJoins",
            ExpressionAttributeNames={"#role": "role", "#ttl": "ttl"},
            ExpressionAttributeValues={
                ":role": _s(role),
                ":sid": _s(session_id),
                ":ttl": self._ttl(self.settings.connection_ttl_seconds),
            },
        )

    def detach_connection(self, connection_id: str, session_id: str) -> None:
        """Forget the connection's session, if it still names ``session_id``."""
        self._conditional_update(
            TableName=self.settings.connections_table,
            Key={"connectionId": _s(connection_id)},
            UpdateExpression="REMOVE sessionId SET #ttl = :ttl",
            ConditionExpression="sessionId = :sid",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={
                ":sid": _s(session_id),
                ":ttl": self._ttl(self.settings.connection_ttl_seconds),
            },
        )

    def delete_connection(self, connection_id: str) -> Connection | None:
        """Delete the record; returns what it was (``None`` if already gone)."""
        response = self.db.delete_item(
            TableName=self.settings.connections_table,
            Key={"connectionId": _s(connection_id)},
            ReturnValues="ALL_OLD",
        )
        item = response.get("Attributes")
        return connection_from_item(item) if item else None

    def count_failed_join(self, connection_id: str) -> int:
        """One more consecutive failed join on this connection; the new count."""
        response = self.db.update_item(
            TableName=self.settings.connections_table,
            Key={"connectionId": _s(connection_id)},
            UpdateExpression="ADD failedJoins :one SET #ttl = if_not_exists(#ttl, :ttl)",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={
                ":one": _n(1),
                ":ttl": self._ttl(self.settings.connection_ttl_seconds),
            },
            ReturnValues="UPDATED_NEW",
        )
        return _int(response.get("Attributes", {}), "failedJoins")

    def _ip_counter_key(self, source_ip: str) -> tuple[dict[str, Any], int]:
        window = self.settings.failed_join_window_seconds
        now = int(time.time())
        start = now - now % window
        return {"connectionId": _s(f"failed-joins#{source_ip}#{start}")}, start + window

    def failed_joins_from_ip(self, source_ip: str) -> int:
        key, _ = self._ip_counter_key(source_ip)
        response = self.db.get_item(
            TableName=self.settings.connections_table, Key=key, ConsistentRead=True
        )
        return _int(response.get("Item", {}), "failures")

    def count_failed_join_from_ip(self, source_ip: str) -> int:
        key, window_end = self._ip_counter_key(source_ip)
        response = self.db.update_item(
            TableName=self.settings.connections_table,
            Key=key,
            UpdateExpression="ADD failures :one SET #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={":one": _n(1), ":ttl": _n(window_end)},
            ReturnValues="UPDATED_NEW",
        )
        return _int(response.get("Attributes", {}), "failures")

    def connections_in_session(self, session_id: str) -> list[str]:
        ids: list[str] = []
        for page in self._pages(
            TableName=self.settings.connections_table,
            IndexName="sessionId-index",
            KeyConditionExpression="sessionId = :sid",
            ExpressionAttributeValues={":sid": _s(session_id)},
        ):
            ids.extend(item["connectionId"]["S"] for item in page)
        return ids

    # ---- sessions ----------------------------------------------------------

    def get_session(self, session_id: str) -> Session | None:
        response = self.db.get_item(
            TableName=self.settings.sessions_table,
            Key={"sessionId": _s(session_id)},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return session_from_item(item) if item else None

    def create_session(
        self, session_id: str, cli_connection_id: str, public_key: str, user_id: str | None
    ) -> bool:
        """Create only if absent (or expired but not yet swept by DynamoDB's TTL);
        ``False`` when the id is taken."""
        from botocore.exceptions import ClientError

        now = now_ms()
        item = {
            "sessionId": _s(session_id),
            "cliConnectionId": _s(cli_connection_id),
            "cliPublicKey": _s(public_key),
            "status": _s(PENDING),
            "createdAt": _n(now),
            "lastActiveAt": _n(now),
            "ttl": self._ttl(self.settings.session_ttl_seconds),
        }
        if user_id:
            item["userId"] = _s(user_id)
        try:
            self.db.put_item(
                TableName=self.settings.sessions_table,
                Item=item,
                ConditionExpression="attribute_not_exists(sessionId) OR #ttl <= :now",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={":now": _n(int(time.time()))},
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            # A retried write whose first attempt landed also fails its condition:
            # the id is still ours if the stored session names this connection.
            existing = self.get_session(session_id)
            return existing is not None and existing.cli_connection_id == cli_connection_id
        return True

    def add_web(self, session_id: str, connection_id: str, status: str) -> Session | None:
        """Add a web unless the session is gone or full; the new session, or ``None``."""
        response = self._conditional_update(
            TableName=self.settings.sessions_table,
            Key={"sessionId": _s(session_id)},
            UpdateExpression=(
                "ADD webConnections :me SET #status = :status, lastActiveAt = :now, #ttl = :ttl"
            ),
            ConditionExpression=(
                "attribute_exists(sessionId) AND (attribute_not_exists(webConnections)"
                " OR size(webConnections) < :max OR contains(webConnections, :id))"
            ),
            ExpressionAttributeNames={"#status": "status", "#ttl": "ttl"},
            ExpressionAttributeValues={
                ":me": {"SS": [connection_id]},
                ":id": _s(connection_id),
                ":status": _s(status),
                ":now": _n(now_ms()),
                ":max": _n(self.settings.max_webs_per_session),
                ":ttl": self._ttl(self.settings.session_ttl_seconds),
            },
            ReturnValues="ALL_NEW",
        )
        return session_from_item(response["Attributes"]) if response else None

    def remove_web(self, session_id: str, connection_id: str) -> Session | None:
        """Remove a web that is a member; the new session, or ``None`` if it was not one.
        The last web leaving a session with a CLI makes it ``paused``."""
        response = self._conditional_update(
            TableName=self.settings.sessions_table,
            Key={"sessionId": _s(session_id)},
            UpdateExpression="DELETE webConnections :me SET lastActiveAt = :now, #ttl = :ttl",
            ConditionExpression="contains(webConnections, :id)",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={
                ":me": {"SS": [connection_id]},
                ":id": _s(connection_id),
                ":now": _n(now_ms()),
                ":ttl": self._ttl(self.settings.session_ttl_seconds),
            },
            ReturnValues="ALL_NEW",
        )
        if response is None:
            return None
        session = session_from_item(response["Attributes"])
        if not session.web_connections and session.cli_connection_id:
            self._conditional_update(
                TableName=self.settings.sessions_table,
                Key={"sessionId": _s(session_id)},
                UpdateExpression="SET #status = :paused",
                ConditionExpression=(
                    "attribute_not_exists(webConnections) AND attribute_exists(cliConnectionId)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":paused": _s(PAUSED)},
            )
        return session

    def claim_cli(self, session_id: str, connection_id: str, public_key: str) -> Session | None:
        """Point the session at a reconnected CLI holding the same key; ``None`` if refused."""
        response = self._conditional_update(
            TableName=self.settings.sessions_table,
            Key={"sessionId": _s(session_id)},
            UpdateExpression=(
                "SET cliConnectionId = :me, #status = :pending, lastActiveAt = :now, #ttl = :ttl"
            ),
            ConditionExpression="cliPublicKey = :key",
            ExpressionAttributeNames={"#status": "status", "#ttl": "ttl"},
            ExpressionAttributeValues={
                ":me": _s(connection_id),
                ":key": _s(public_key),
                ":pending": _s(PENDING),
                ":now": _n(now_ms()),
                ":ttl": self._ttl(self.settings.session_ttl_seconds),
            },
            ReturnValues="ALL_NEW",
        )
        return session_from_item(response["Attributes"]) if response else None

    def release_cli(self, session_id: str, connection_id: str) -> Session | None:
        """The CLI is gone: clear it, status ``closed``; ``None`` if it was not the CLI."""
        response = self._conditional_update(
            TableName=self.settings.sessions_table,
            Key={"sessionId": _s(session_id)},
            UpdateExpression=(
                "REMOVE cliConnectionId SET #status = :closed, lastActiveAt = :now, #ttl = :ttl"
            ),
            ConditionExpression="cliConnectionId = :me",
            ExpressionAttributeNames={"#status": "status", "#ttl": "ttl"},
            ExpressionAttributeValues={
                ":me": _s(connection_id),
                ":closed": _s(CLOSED),
                ":now": _n(now_ms()),
                ":ttl": self._ttl(self.settings.session_ttl_seconds),
            },
            ReturnValues="ALL_NEW",
        )
        return session_from_item(response["Attributes"]) if response else None

    def update_details(self, session_id: str, connection_id: str, fields: dict[str, Any]) -> bool:
        """Write whitelisted ``session:update`` fields if the sender is the CLI."""
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        names["#ttl"] = "ttl"
        values: dict[str, Any] = {
            ":me": _s(connection_id),
            ":now": _n(now_ms()),
            ":ttl": self._ttl(self.settings.session_ttl_seconds),
        }
        sets = ["lastActiveAt = :now", "#ttl = :ttl"]
        for i, value in enumerate(fields.values()):
            values[f":v{i}"] = (
                {"L": [_s(v) for v in value]} if isinstance(value, list) else _s(value)
            )
            sets.append(f"#f{i} = :v{i}")
        request: dict[str, Any] = {
            "TableName": self.settings.sessions_table,
            "Key": {"sessionId": _s(session_id)},
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": "cliConnectionId = :me",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        return self._conditional_update(**request) is not None

    def sessions_of_user(self, user_id: str) -> list[Session]:
        sessions: list[Session] = []
        for page in self._pages(
            TableName=self.settings.sessions_table,
            IndexName="userId-index",
            KeyConditionExpression="userId = :uid",
            ExpressionAttributeValues={":uid": _s(user_id)},
            ScanIndexForward=False,
        ):
            sessions.extend(session_from_item(item) for item in page)
        return sessions

    def delete_session(self, session_id: str) -> None:
        self.db.delete_item(
            TableName=self.settings.sessions_table, Key={"sessionId": _s(session_id)}
        )

    # ---- message cache -----------------------------------------------------

    def cache_envelope(self, session_id: str, raw: str) -> int | None:
        """Store one envelope under a fresh seq and drop the one that falls out of
        the bounded window. ``None`` if the session vanished meanwhile."""
        response = self._conditional_update(
            TableName=self.settings.sessions_table,
            Key={"sessionId": _s(session_id)},
            UpdateExpression="ADD nextSeq :one SET #ttl = :ttl",
            ConditionExpression="attribute_exists(sessionId)",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={
                ":one": _n(1),
                ":ttl": self._ttl(self.settings.session_ttl_seconds),
            },
            ReturnValues="UPDATED_NEW",
        )
        if response is None:
            return None
        seq = _int(response["Attributes"], "nextSeq")
        self.db.put_item(
            TableName=self.settings.messages_table,
            Item={
                "sessionId": _s(session_id),
                "seq": _n(seq),
                "envelope": _s(raw),
                "createdAt": _n(now_ms()),
                "ttl": self._ttl(self.settings.message_ttl_seconds),
            },
        )
        expired = seq - self.settings.cache_size
        if expired > 0:
            self.db.delete_item(
                TableName=self.settings.messages_table,
                Key={"sessionId": _s(session_id), "seq": _n(expired)},
            )
        return seq

    def cached_envelopes(self, session_id: str, since_seq: int) -> list[str]:
        """The most recent cached envelopes with seq > ``since_seq`` (at most the cache
        size), oldest first. Read newest first, so the bound keeps the latest ones."""
        newest_first: list[str] = []
        for page in self._pages(
            TableName=self.settings.messages_table,
            KeyConditionExpression="sessionId = :sid AND seq > :since",
            FilterExpression="#ttl > :now",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={
                ":sid": _s(session_id),
                ":since": _n(since_seq),
                ":now": _n(int(time.time())),
            },
            ConsistentRead=True,
            ScanIndexForward=False,
        ):
            newest_first.extend(item["envelope"]["S"] for item in page)
            if len(newest_first) >= self.settings.cache_size:
                break
        return newest_first[: self.settings.cache_size][::-1]

    def delete_cached(self, session_id: str) -> None:
        keys = []
        for page in self._pages(
            TableName=self.settings.messages_table,
            KeyConditionExpression="sessionId = :sid",
            ExpressionAttributeValues={":sid": _s(session_id)},
            ProjectionExpression="sessionId, seq",
            ConsistentRead=True,
        ):
            keys.extend({"sessionId": item["sessionId"], "seq": item["seq"]} for item in page)
        for start in range(0, len(keys), 25):
            requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
            pending: dict[str, Any] = {self.settings.messages_table: requests}
            for _ in range(5):
                response = self.db.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break

    # ---- helpers -----------------------------------------------------------

    def _pages(self, **request: Any) -> Iterator[list[dict[str, Any]]]:
        while True:
            response = self.db.query(**request)
            yield response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last
