"""Bad input and unusable targets: refused with a clear message and the right exit code, no
traceback, and (for a bad template) before anything touches AWS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.artifact.digest import sha256_of
from infra.deploy.cli import main
from tests.conftest import free_port

CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def deploy_argv(artifact: Path, *extra: str, env: str = "dev") -> list[str]:
    return ["deploy", "--env", env, "--artifact", str(artifact), *extra]


@pytest.mark.parametrize("config_text", [None, "[default\nregion = = =\n"])
def test_missing_credentials_on_aws_target_is_a_clear_error(
    config_text: str | None,
    make_zip: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    config_file = tmp_path / "aws-config"
    if config_text is not None:
        config_file.write_text(config_text)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    assert main(deploy_argv(make_zip("one"), "--target", "aws")) == 2

    captured = capsys.readouterr()
    assert "credentials" in captured.err
    assert "--target local" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_unknown_environment_is_a_usage_error(
    make_zip: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(deploy_argv(make_zip("one"), env="qa")) == 2
    assert "unknown environment 'qa'; allowed: dev, staging, prod" in capsys.readouterr().err


def test_digest_mismatch_is_a_usage_error(
    make_zip: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    artifact = make_zip("one")
    assert main(deploy_argv(artifact, "--digest", "0" * 64, "--target", "local")) == 2
    err = capsys.readouterr().err
    assert sha256_of(artifact) in err
    assert "0" * 64 in err


def test_bad_commit_is_a_usage_error(
    make_zip: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(deploy_argv(make_zip("one"), "--commit", "not-a-sha")) == 2
    assert "--commit 'not-a-sha'" in capsys.readouterr().err


def test_template_failing_cfn_lint_is_refused_before_touching_aws(
    make_zip: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Nothing listens here: reaching AWS would fail with "not reachable" instead.
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    bad = tmp_path / "template.json"
    bad.write_text(
        json.dumps({"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {}}}})
    )

    code = main(deploy_argv(make_zip("one"), "--target", "local", "--template", str(bad)))

    err = capsys.readouterr().err
    assert code == 1
    assert f"template {bad} fails cfn-lint" in err
    assert "not reachable" not in err


@pytest.mark.emulator
def test_emulator_not_reachable_is_a_clear_error(
    make_zip: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)

    assert main(deploy_argv(make_zip("one"), "--target", "local")) == 1
    assert f"the local AWS emulator is not reachable at {endpoint}" in capsys.readouterr().err
    assert main(["status", "--env", "dev", "--target", "local"]) == 1


@pytest.mark.emulator
@pytest.mark.usefixtures("emulator")
def test_unknown_digest_names_the_digest_and_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = "f" * 64
    argv = ["deploy", "--env", "dev", "--target", "local", "--digest", digest]

    assert main([*argv, "--build-dir", str(tmp_path)]) == 2

    err = capsys.readouterr().err
    assert f"artifact digest {digest} not found" in err
    assert f"{tmp_path}/*.zip" in err
    assert f"lambda/{digest}.zip" in err
