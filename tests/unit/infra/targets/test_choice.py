"""The auto choice of a target, with the reason it prints (pure, credentials injected)."""

from __future__ import annotations

import pytest

from infra.aws.sessions import credential_source
from infra.errors import EXIT_USAGE, UsageError
from infra.targets.base import TargetKind
from infra.targets.select import choose_target


@pytest.mark.parametrize(
    ("requested", "source", "target", "reason_part"),
    [
        (None, None, TargetKind.LOCAL, "no AWS credentials"),
        (None, "", TargetKind.LOCAL, "no AWS credentials"),
        ("auto", None, TargetKind.LOCAL, "no AWS credentials"),
        (None, "env", TargetKind.AWS, "AWS credentials found (env)"),
        ("auto", "env", TargetKind.AWS, "AWS credentials found (env)"),
        (None, "assume-role-with-web-identity", TargetKind.AWS, "web-identity"),
        ("local", "env", TargetKind.LOCAL, "chosen with --target"),
        ("aws", None, TargetKind.AWS, "chosen with --target"),
    ],
)
def test_target_choice(
    requested: str | None, source: str | None, target: TargetKind, reason_part: str
) -> None:
    choice = choose_target(requested, find_credentials=lambda: source)
    assert choice.kind is target
    assert reason_part in choice.reason
    assert choice.describe().startswith(f"target: {target.value} (")


@pytest.mark.parametrize("requested", ["", "AWS", "gcp"])
def test_unknown_target_is_a_usage_error(requested: str) -> None:
    with pytest.raises(UsageError, match="choose one of auto, aws, local") as caught:
        choose_target(requested, "run parameter PIPELINE_TARGET", lambda: None)
    assert "PIPELINE_TARGET" in str(caught.value)
    assert caught.value.exit_code == EXIT_USAGE


def test_credential_source_without_any_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    assert credential_source() is None
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    assert credential_source() == "env"
