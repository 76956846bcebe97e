"""Pure path rules of the edge: return targets, clean URLs, static assets."""

from __future__ import annotations

import pytest
from edge_paths import clean_url, is_static_asset, safe_return_path
from edge_state import make_state, return_path_from_state, state_matches_nonce


@pytest.mark.parametrize("path", ["/", "/join", "/join?session=K7Q2ZP", "/a/b.html#x", "/%2F%2Fx"])
def test_same_origin_paths_are_safe_return_targets(path: str) -> None:
    assert safe_return_path(path) == path


@pytest.mark.parametrize(
    "target",
    [
        "",
        "join",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/ok\nLocation: //evil",
        "/ok\tx",
        "/" + "a" * 5000,
    ],
)
def test_foreign_or_malformed_targets_are_not_safe(target: str) -> None:
    assert safe_return_path(target) is None


@pytest.mark.parametrize(
    ("uri", "rewritten"),
    [
        ("/join", "/join.html"),
        ("/docs/", "/docs/index.html"),
        ("/", "/"),
        ("/join.html", "/join.html"),
        ("/app.js", "/app.js"),
    ],
)
def test_clean_urls_map_to_html_files(uri: str, rewritten: str) -> None:
    assert clean_url(uri) == rewritten


@pytest.mark.parametrize("uri", ["/app.js", "/assets/logo.SVG", "/fonts/a.woff2", "/favicon.ico"])
def test_static_assets_are_recognised_by_extension(uri: str) -> None:
    assert is_static_asset(uri)


@pytest.mark.parametrize("uri", ["/join", "/join.html", "/", "/data.json"])
def test_pages_and_data_are_not_static_assets(uri: str) -> None:
    assert not is_static_asset(uri)


def test_state_round_trips_the_return_path() -> None:
    state = make_state("nonce", "/join?session=K7Q2ZP")
    assert state_matches_nonce(state, "nonce")
    assert return_path_from_state(state) == "/join?session=K7Q2ZP"


def test_state_with_a_garbled_return_path_falls_back_to_the_root() -> None:
    assert return_path_from_state("nonce.!!!not-base64!!!") == "/"


def test_state_never_matches_a_missing_nonce_cookie() -> None:
    assert not state_matches_nonce(make_state("", "/"), None)
    assert not state_matches_nonce(make_state("", "/"), "")
