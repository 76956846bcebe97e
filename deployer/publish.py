"""Publishing a static site: sync a directory to the web bucket with the right
Content-Type and Cache-Control, upload only what changed, delete what is gone,
then invalidate CloudFront."""

from __future__ import annotations

import hashlib
import mimetypes
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from deployer.aws import AwsClients, explain_client_error
from deployer.errors import DeployError

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
SHORT = "public, max-age=300"
# mimetypes depends on the machine's /etc/mime.types; these must not.
CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
    ".xml": "application/xml",
}
TEXT_TYPES = ("text/", "application/json", "application/manifest+json", "application/xml")
# A content hash in the file name (app.3f9a1c2b.js, chunk-0a1b2c3d4e.css): eight or
# more hex digits, at least one of them a digit, between separators.
HASHED_NAME = re.compile(r"[.-](?=[0-9a-f]*\d)[0-9a-f]{8,}[.-]")
# Next.js puts only content-addressed files under _next/static/.
IMMUTABLE_PREFIXES = ("_next/static/",)
# Past this many changed paths one wildcard is cheaper (CloudFront bills per path).
MAX_LISTED_INVALIDATION_PATHS = 15


def content_type_for(key: str) -> str:
    suffix = Path(key).suffix.lower()
    guessed = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0]
    kind = guessed or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(TEXT_TYPES) else kind


def cache_control_for(key: str) -> str:
    if Path(key).suffix.lower() in (".html", ".htm"):
        return NO_CACHE
    if key.startswith(IMMUTABLE_PREFIXES) or HASHED_NAME.search(Path(key).name + "."):
        return IMMUTABLE
    return SHORT


@dataclass(frozen=True)
class LocalFile:
    key: str
    path: Path
    md5: str


@dataclass
class SyncPlan:
    uploads: list[LocalFile] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed_keys(self) -> list[str]:
        return [f.key for f in self.uploads] + self.deletes


def scan_directory(root: Path) -> dict[str, LocalFile]:
    if not root.is_dir():
        raise DeployError(
            f"Web directory {root} does not exist or is not a directory.",
            "Build the web app first (its output folder, e.g. packages/web/out), "
            "then pass that folder as WEB_DIR=... .",
        )
    files = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        files[key] = LocalFile(key, path, hashlib.md5(path.read_bytes()).hexdigest())
    return files


def plan_sync(local: Mapping[str, LocalFile], remote_etags: Mapping[str, str]) -> SyncPlan:
    """What to upload and delete. With SSE-S3 (the web bucket's encryption) the
    ETag of a single-part upload is its MD5; a multipart or SSE-KMS ETag never
    matches, so such objects are simply uploaded again."""
    plan = SyncPlan()
    for key, file in local.items():
        if remote_etags.get(key) == file.md5:
            plan.unchanged += 1
        else:
            plan.uploads.append(file)
    plan.deletes = sorted(set(remote_etags) - set(local))
    return plan


def invalidation_paths(changed_keys: list[str]) -> list[str]:
    if not changed_keys:
        return []
    if len(changed_keys) > MAX_LISTED_INVALIDATION_PATHS:
        return ["/*"]
    paths = {f"/{key}" for key in changed_keys}
    # index.html is also served for "/" (and for a folder's "dir/").
    paths |= {f"/{key[: -len('index.html')]}" for key in changed_keys if key.endswith("index.html")}
    return sorted(paths)


def remote_etags(s3: Any, bucket: str) -> dict[str, str]:
    etags = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            etags[obj["Key"]] = obj["ETag"].strip('"')
    return etags


def apply_sync(s3: Any, bucket: str, plan: SyncPlan) -> None:
    for file in plan.uploads:
        s3.put_object(
            Bucket=bucket,
            Key=file.key,
            Body=file.path.read_bytes(),
            ContentType=content_type_for(file.key),
            CacheControl=cache_control_for(file.key),
        )
    for start in range(0, len(plan.deletes), 1000):  # DeleteObjects takes 1000 keys at most
        batch = plan.deletes[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch]})


def invalidate(cloudfront: Any, distribution_id: str, paths: list[str]) -> str:
    response = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"always-coder-publish-{time.time_ns()}",
        },
    )
    return str(response["Invalidation"]["Id"])


@dataclass(frozen=True)
class PublishResult:
    plan: SyncPlan
    invalidation_id: str | None


def publish(
    clients: AwsClients,
    region: str,
    directory: Path,
    bucket: str,
    distribution_id: str | None,
) -> PublishResult:
    local = scan_directory(directory)
    if "index.html" not in local:
        raise DeployError(
            f"{directory} has no index.html at its top.",
            "Pass the folder that holds the built site's index.html.",
        )
    s3 = clients.client("s3", region)
    try:
        plan = plan_sync(local, remote_etags(s3, bucket))
        apply_sync(s3, bucket, plan)
        paths = invalidation_paths(plan.changed_keys)
        invalidation_id = None
        if paths and distribution_id:
            invalidation_id = invalidate(
                clients.client("cloudfront", region), distribution_id, paths
            )
    except ClientError as exc:
        raise explain_client_error(exc, f"publishing to bucket {bucket}") from exc
    return PublishResult(plan, invalidation_id)


def empty_bucket(clients: AwsClients, region: str, bucket: str) -> int:
    """Deletes every object (and version) so CloudFormation can delete the bucket."""
    s3 = clients.client("s3", region)
    removed = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        items = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if items:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": items})
            removed += len(items)
    return removed
