"""Publishing a static site: headers, changed-only uploads, deletions and the
CloudFront invalidation (S3 and CloudFront are moto's control planes)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import boto3
import pytest

from deployer import commands, publish
from deployer.errors import DeployError
from tests.deploy.conftest import REGION, STAGE, WEB_STACK, make_distribution

BUCKET = "site-bucket"


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("assets/app.3f9a1c2b.js", "text/javascript; charset=utf-8"),
        ("worker.mjs", "text/javascript; charset=utf-8"),
        ("app.js.map", "application/json; charset=utf-8"),
        ("site.webmanifest", "application/manifest+json; charset=utf-8"),
        ("engine.wasm", "application/wasm"),
        ("styles.css", "text/css; charset=utf-8"),
        ("logo.svg", "image/svg+xml"),
        ("fonts/inter.woff2", "font/woff2"),
        ("blob.unknownext", "application/octet-stream"),
    ],
)
def test_content_type_follows_the_file_extension(key, content_type):
    assert publish.content_type_for(key) == content_type


@pytest.mark.parametrize(
    ("key", "cache_control"),
    [
        ("index.html", publish.NO_CACHE),
        ("join/index.html", publish.NO_CACHE),
        ("assets/app.3f9a1c2b.js", publish.IMMUTABLE),
        ("assets/chunk-0a1b2c3d4e5f.css", publish.IMMUTABLE),
        ("_next/static/chunks/main.js", publish.IMMUTABLE),
        ("favicon.ico", publish.SHORT),
        ("app-settings.js", publish.SHORT),
        ("deadbeefcafe.js", publish.SHORT),
    ],
)
def test_cache_control_is_immutable_only_for_hashed_names(key, cache_control):
    assert publish.cache_control_for(key) == cache_control


def test_invalidation_lists_changed_paths_and_the_folder_of_an_index():
    assert publish.invalidation_paths(["index.html", "join/index.html", "a.js"]) == [
        "/",
        "/a.js",
        "/index.html",
        "/join/",
        "/join/index.html",
    ]


def test_invalidation_of_many_paths_is_one_wildcard():
    many = [f"f{i}.js" for i in range(publish.MAX_LISTED_INVALIDATION_PATHS + 1)]
    assert publish.invalidation_paths(many) == ["/*"]


def make_site(root: Path, files: dict[str, str]) -> Path:
    for key, text in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_text(text)
    return root


@pytest.fixture
def bucket(aws):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def distribution_id(aws):
    return make_distribution(BUCKET)["Id"]


def head(key: str) -> dict:
    return boto3.client("s3", region_name="us-east-1").head_object(Bucket=BUCKET, Key=key)


def keys() -> list[str]:
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=BUCKET)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_publish_uploads_with_content_type_and_cache_control(aws, bucket, tmp_path):
    site = make_site(tmp_path, {"index.html": "<p>", "assets/app.3f9a1c2b.js": "1"})
    publish.publish(aws, "us-east-1", site, bucket, None)
    index, script = head("index.html"), head("assets/app.3f9a1c2b.js")
    assert (index["ContentType"], index["CacheControl"]) == (
        publish.content_type_for("index.html"),
        publish.NO_CACHE,
    )
    assert (script["ContentType"], script["CacheControl"]) == (
        publish.content_type_for("app.js"),
        publish.IMMUTABLE,
    )


def test_publish_deletes_objects_no_longer_in_the_site(aws, bucket, tmp_path):
    old = make_site(tmp_path / "old", {"index.html": "1", "stale.js": "2"})
    publish.publish(aws, "us-east-1", old, bucket, None)
    new = make_site(tmp_path / "new", {"index.html": "1"})
    result = publish.publish(aws, "us-east-1", new, bucket, None)
    assert result.plan.deletes == ["stale.js"]
    assert keys() == ["index.html"]


def test_publish_uploads_only_changed_files(aws, bucket, tmp_path):
    site = make_site(tmp_path, {"index.html": "1", "a.css": "a", "b.css": "b"})
    publish.publish(aws, "us-east-1", site, bucket, None)
    (site / "a.css").write_text("changed")
    result = publish.publish(aws, "us-east-1", site, bucket, None)
    assert [f.key for f in result.plan.uploads] == ["a.css"]
    assert result.plan.unchanged == 2
    assert head("a.css")["ETag"].strip('"') == hashlib.md5(b"changed").hexdigest()


def test_publish_invalidates_the_changed_paths(aws, bucket, distribution_id, tmp_path):
    site = make_site(tmp_path, {"index.html": "1"})
    result = publish.publish(aws, "us-east-1", site, bucket, distribution_id)
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    made = cloudfront.get_invalidation(DistributionId=distribution_id, Id=result.invalidation_id)
    assert made["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/", "/index.html"]


def test_publish_of_an_unchanged_site_makes_no_invalidation(aws, bucket, distribution_id, tmp_path):
    site = make_site(tmp_path, {"index.html": "1"})
    publish.publish(aws, "us-east-1", site, bucket, distribution_id)
    again = publish.publish(aws, "us-east-1", site, bucket, distribution_id)
    assert again.invalidation_id is None
    assert again.plan.uploads == [] and again.plan.deletes == []


def test_publish_of_a_folder_without_index_html_changes_nothing(aws, bucket, tmp_path):
    make_site(tmp_path, {"app.js": "1"})
    with pytest.raises(DeployError, match="no index.html"):
        publish.publish(aws, "us-east-1", tmp_path, bucket, None)
    assert keys() == []


def test_publish_of_a_missing_folder_is_refused(aws, bucket, tmp_path):
    with pytest.raises(DeployError, match="does not exist"):
        publish.publish(aws, "us-east-1", tmp_path / "dist", bucket, None)


def test_publish_site_finds_bucket_and_distribution_in_the_web_stack(aws, sam, repo, tmp_path):
    commands.deploy(STAGE, REGION, root=repo, clients=aws, runner=sam, echo=lambda _: None)
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    web = {
        o["OutputKey"]: o["OutputValue"]
        for o in cfn.describe_stacks(StackName=WEB_STACK)["Stacks"][0]["Outputs"]
    }
    site = make_site(tmp_path / "site", {"index.html": "1"})
    result = commands.publish_site(site, STAGE, clients=aws, echo=lambda _: None)
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(
        Bucket=web["WebBucketName"]
    )
    assert [o["Key"] for o in listed["Contents"]] == ["index.html"]
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    cloudfront.get_invalidation(DistributionId=web["DistributionId"], Id=result.invalidation_id)


def test_publish_site_without_a_web_stack_says_to_deploy_first(aws, tmp_path):
    site = make_site(tmp_path, {"index.html": "1"})
    with pytest.raises(DeployError, match="make deploy"):
        commands.publish_site(site, "dev", clients=aws, echo=lambda _: None)


def test_publish_site_to_a_named_bucket_needs_no_stack(aws, bucket, tmp_path):
    site = make_site(tmp_path, {"index.html": "1"})
    commands.publish_site(site, "dev", bucket=bucket, clients=aws, echo=lambda _: None)
    assert keys() == ["index.html"]
