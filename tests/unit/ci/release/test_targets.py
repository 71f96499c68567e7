from __future__ import annotations

import pytest

from pipeline.release.errors import EXIT_USAGE, ReleaseUsageError
from pipeline.release.targets import Target, check_env, choose_target, credential_source


@pytest.mark.parametrize(
    ("requested", "source", "target", "reason_part"),
    [
        (None, None, Target.LOCAL, "no AWS credentials"),
        (None, "", Target.LOCAL, "no AWS credentials"),
        (None, "env", Target.AWS, "AWS credentials found (env)"),
        (None, "assume-role-with-web-identity", Target.AWS, "web-identity"),
        ("local", "env", Target.LOCAL, "chosen with --target"),
        ("aws", None, Target.AWS, "chosen with --target"),
    ],
)
def test_target_choice(
    requested: str | None, source: str | None, target: Target, reason_part: str
) -> None:
    choice = choose_target(requested, source)
    assert choice.target is target
    assert reason_part in choice.reason
    assert choice.describe().startswith(f"target: {target.value} (")


@pytest.mark.parametrize("requested", ["", "AWS", "gcp", "auto"])
def test_unknown_target_is_a_usage_error(requested: str) -> None:
    with pytest.raises(ReleaseUsageError, match="choose one of local, aws") as caught:
        choose_target(requested, None, given_by="run parameter PIPELINE_TARGET")
    assert "PIPELINE_TARGET" in str(caught.value)
    assert caught.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_known_envs(env: str) -> None:
    assert check_env(env) == env


@pytest.mark.parametrize("env", ["", "Dev", "qa", "dev "])
def test_unknown_env_names_the_choices(env: str) -> None:
    with pytest.raises(ReleaseUsageError, match="choose one of dev, staging, prod"):
        check_env(env)


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
