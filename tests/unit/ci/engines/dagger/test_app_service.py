"""The local app service's launcher: auth files, and the app's environment from the deployed
function (the emulator read is replaced by a stub)."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt
import pytest

from infra.aws.errors import AwsCallFailed
from infra.aws.lambda_ import LambdaFunctions
from infra.operations.users.local_identity import LocalIdentity
from infra.operations.users.pool import PoolRef
from infra.targets import local_apps
from pipeline.engines.dagger import app_service as launcher


def test_auth_writes_a_public_key_and_a_token_it_verifies(tmp_path: Path) -> None:
    assert launcher.main(["auth", "--out", str(tmp_path / "auth")]) == 0
    public = (tmp_path / "auth" / "public.pem").read_text()
    token_file = tmp_path / "auth" / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    claims = jwt.decode(
        token_file.read_text(), public, algorithms=["RS256"], audience="energy-insights-api"
    )
    assert claims["iss"] == "energy-insights-local"
    assert not list((tmp_path / "auth").glob("*private*"))  # the private key never lands


def test_auth_mints_the_tokens_of_the_named_suite_stages_for_their_sites(tmp_path: Path) -> None:
    out = tmp_path / "auth"
    argv = ["auth", "--out", str(out), "--suite-stage", "e2e-staging"]
    assert launcher.main([*argv, "--suite-stage", "perf-staging"]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {
        "public.pem",
        "token",
        "PERF_TOKEN",
        "E2E_TOKEN",
        "E2E_EXPIRED_TOKEN",
        "E2E_FOREIGN_TOKEN",
    }
    public = (out / "public.pem").read_text()
    perf = jwt.decode(
        (out / "PERF_TOKEN").read_text(),
        public,
        algorithms=["RS256"],
        audience="energy-insights-api",
    )
    assert perf["sites"][0] == "perf-staging-001"
    assert all(stat.S_IMODE((out / n).stat().st_mode) == 0o600 for n in names - {"public.pem"})


def test_auth_refuses_a_perf_stage_its_config_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["auth", "--out", str(tmp_path / "auth"), "--suite-stage", "perf-prod"]
    assert launcher.main(argv) == 2
    assert "perf.allow_prod is false" in capsys.readouterr().err
    assert not (tmp_path / "auth").exists()  # nothing minted


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "lambda.zip"
    path.write_bytes(b"zip bytes")
    (tmp_path / "public.pem").write_text("-----BEGIN PUBLIC KEY-----\nx\n")
    (tmp_path / "task").mkdir()
    return path


def serve_args(bundle: Path) -> list[str]:
    root = bundle.parent
    return [
        "serve",
        "--env",
        "dev",
        "--bundle",
        str(bundle),
        "--task-dir",
        str(root / "task"),
        "--public-key",
        str(root / "public.pem"),
        "--emulator-url",
        "http://emulator:5000",
        "--port",
        "8000",
    ]


def stub_function(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]) -> None:
    def read(self: LambdaFunctions, function: str) -> dict[str, str]:
        assert self._clients.endpoint.url == "http://emulator:5000"
        assert function == "energy-insights-dev-api"
        return variables

    monkeypatch.setattr(LambdaFunctions, "environment", read)
    pool = LocalIdentity(PoolRef("eu-west-1_p", "c1", "eu-west-1"), "http://emulator:5000", ())
    monkeypatch.setattr(local_apps, "ensure_identity", lambda target, config: pool)


def test_serve_replaces_itself_with_uvicorn_configured_like_the_function(
    bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = hashlib.sha256(b"zip bytes").hexdigest()
    stub_function(
        monkeypatch,
        {"EI_TABLE_NAME": "t", "EI_ARTIFACT_DIGEST": digest, "EI_JWT_JWKS_URL": "https://x"},
    )
    monkeypatch.chdir(bundle.parent)
    calls: list[tuple[str, list[str], Mapping[str, str]]] = []

    def record(path: str, argv: list[str], env: Mapping[str, str]) -> Any:
        calls.append((path, argv, env))

    assert launcher.main(serve_args(bundle), run=record) == 0
    ((_, argv, env),) = calls
    assert argv[1:4] == ["-m", "uvicorn", "app.main:create_app"]
    assert argv[-3:] == ["--port", "8000", "--no-access-log"]
    assert env["PYTHONPATH"] == str(bundle.parent / "task")
    assert env["EI_TABLE_NAME"] == "t"
    assert env["AWS_ENDPOINT_URL"] == "http://emulator:5000"
    assert env["EI_JWT_PUBLIC_KEY"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "EI_JWT_JWKS_URL" not in env
    # the pool the launcher created on the emulator is trusted too (its JWKS on the emulator)
    assert env["EI_JWT_EXTRA_JWKS_URL"] == "http://emulator:5000/eu-west-1_p/.well-known/jwks.json"
    assert env["EI_JWT_EXTRA_AUDIENCE"] == "c1"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"EI_ARTIFACT_DIGEST": "f" * 64}, "dev runs digest ffffffffffff but the bundle is"),
    ],
)
def test_serve_refuses_a_bundle_that_is_not_deployed(
    bundle: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variables: dict[str, str],
    message: str,
) -> None:
    stub_function(monkeypatch, variables)
    assert launcher.main(serve_args(bundle), run=pytest.fail) == 1
    assert message in capsys.readouterr().err


def test_serve_names_a_missing_bundle(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle.unlink()
    assert launcher.main(serve_args(bundle), run=pytest.fail) == 1
    assert "mount the built lambda.zip there" in capsys.readouterr().err


def test_serve_reports_an_emulator_without_the_function(
    bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def missing(self: LambdaFunctions, function: str) -> dict[str, str]:
        raise AwsCallFailed("lambda GetFunctionConfiguration", "ResourceNotFoundException", "")

    monkeypatch.setattr(LambdaFunctions, "environment", missing)
    assert launcher.main(serve_args(bundle), run=pytest.fail) == 1
    assert "deploy dev first" in capsys.readouterr().err
