"""boto3 at the edge: one place that makes clients and turns AWS's refusals
(missing or expired credentials, access denied) into advice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from deployer.errors import DeployError

EXPIRED_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
    }
)
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
_RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})


@dataclass
class AwsClients:
    """Makes (and reuses) one boto3 client per service and region."""

    session: boto3.session.Session = field(default_factory=boto3.session.Session)
    _made: dict[tuple[str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._made:
            self._made[key] = self.session.client(service, region_name=region, config=_RETRIES)
        return self._made[key]


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def caller_identity(clients: AwsClients, region: str) -> dict[str, str]:
    """Who the credentials belong to; a DeployError explains missing or stale ones."""
    try:
        identity = clients.client("sts", region).get_caller_identity()
    except NoCredentialsError as exc:
        raise DeployError(
            "No AWS credentials found.",
            "Run `aws configure` (or `aws sso login --profile P` and export AWS_PROFILE=P), "
            "then check with `aws sts get-caller-identity`.",
        ) from exc
    except ClientError as exc:
        raise explain_client_error(exc, "checking your credentials") from exc
    except BotoCoreError as exc:
        raise DeployError(
            f"Could not reach AWS STS in {region}: {exc}",
            "Check your network, proxy and the region name.",
        ) from exc
    return {"Account": identity["Account"], "Arn": identity["Arn"]}


def explain_client_error(error: ClientError, doing: str) -> DeployError:
    code = error_code(error)
    message = error.response.get("Error", {}).get("Message", str(error))
    if code in EXPIRED_CODES:
        return DeployError(
            f"Your AWS credentials were refused while {doing} ({code}): {message}",
            "They are expired or invalid: refresh them (`aws sso login`, or new keys in "
            "`aws configure`) and check with `aws sts get-caller-identity`.",
        )
    if code in DENIED_CODES:
        return DeployError(
            f"Access denied while {doing}: {message}",
            "Your identity lacks a permission; see 'IAM permissions needed to deploy' "
            "in the README, and check you are in the intended account and region.",
        )
    return DeployError(f"AWS refused {doing} ({code}): {message}")
