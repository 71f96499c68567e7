from __future__ import annotations

import pytest

from pipeline.release.endpoints import base_url, smoke_endpoint
from pipeline.release.errors import ReleaseError
from pipeline.release.targets import Target

APP_URL = "PIPELINE_APP_URL_DEV"


@pytest.mark.parametrize(
    ("target", "environ", "api_url", "expected"),
    [
        (Target.LOCAL, {APP_URL: "http://127.0.0.1:9000/"}, None, "http://127.0.0.1:9000"),
        (Target.AWS, {APP_URL: "http://127.0.0.1:9000"}, "https://x", "http://127.0.0.1:9000"),
        (Target.AWS, {}, "https://abc.execute-api/", "https://abc.execute-api"),
        (Target.AWS, {APP_URL: "  "}, "https://abc", "https://abc"),
    ],
)
def test_base_url(
    target: Target, environ: dict[str, str], api_url: str | None, expected: str
) -> None:
    assert base_url("dev", target, environ, api_url) == expected


@pytest.mark.parametrize(
    ("target", "api_url", "message"),
    [
        (Target.LOCAL, "https://ignored", "PIPELINE_APP_URL_DEV is not set"),
        (Target.AWS, None, "no ApiUrl output"),
        (Target.AWS, "", "no ApiUrl output"),
    ],
)
def test_missing_base_url(target: Target, api_url: str | None, message: str) -> None:
    with pytest.raises(ReleaseError, match=message):
        base_url("dev", target, {}, api_url)


def test_endpoint_carries_the_token_but_never_shows_it() -> None:
    endpoint = smoke_endpoint(
        "dev",
        Target.LOCAL,
        # pragma: allowlist nextline secret
        {APP_URL: "http://h:1", "SMOKE_TOKEN": "s3cr3t"},
        None,
    )
    assert (endpoint.base_url, endpoint.source, endpoint.token) == (
        "http://h:1",
        APP_URL,
        "s3cr3t",
    )
    assert "s3cr3t" not in repr(endpoint)
    aws = smoke_endpoint("dev", Target.AWS, {"SMOKE_TOKEN": "t"}, "https://api")
    assert aws.source == "ApiUrl"


@pytest.mark.parametrize(
    ("target", "hint"), [(Target.LOCAL, "local dev keypair"), (Target.AWS, "JWT authorizer")]
)
def test_missing_token(target: Target, hint: str) -> None:
    with pytest.raises(ReleaseError, match=hint):
        smoke_endpoint("dev", target, {APP_URL: "http://h:1", "SMOKE_TOKEN": " "}, "https://a")
