from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from pipeline.release.errors import AppServingError, ReleaseUsageError
from pipeline.release.local_app import (
    app_environment,
    sha256_of,
    single_artifact,
    stop_served,
    wait_until_answering,
)
from pipeline.release.local_state import ServedApp, read_app, write_app

FUNCTION_ENV = {
    "EI_ENV": "dev",
    "EI_TABLE_NAME": "energy-insights-dev-data",
    "EI_ARTIFACT_DIGEST": "d" * 64,
    "EI_JWT_JWKS_URL": "https://auth.example.com/jwks",
    "EI_JWT_ISSUER": "https://auth.example.com/",
}


def test_app_environment_is_the_functions_with_local_auth_and_emulator() -> None:
    env = app_environment(
        FUNCTION_ENV,
        "PEM",
        "http://127.0.0.1:5000",
        "eu-west-1",
        # pragma: allowlist nextline secret
        {"EI_FAULT_ERROR_RATE": "1", "HOME": "/root", "AWS_SECRET_ACCESS_KEY": "real"},
    )
    assert env["EI_TABLE_NAME"] == "energy-insights-dev-data"
    assert env["EI_ARTIFACT_DIGEST"] == "d" * 64
    assert "EI_JWT_JWKS_URL" not in env
    assert env["EI_JWT_PUBLIC_KEY"] == "PEM"
    assert env["EI_JWT_ISSUER"] == "energy-insights-local"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert env["AWS_DEFAULT_REGION"] == env["AWS_REGION"] == "eu-west-1"
    # pragma: allowlist nextline secret
    assert env["AWS_SECRET_ACCESS_KEY"] == "testing"  # never the caller's real credentials
    assert env["EI_FAULT_ERROR_RATE"] == "1"
    assert "HOME" not in env


@pytest.mark.parametrize(("zips", "ok"), [(0, False), (1, True), (2, False)])
def test_single_artifact(tmp_path: Path, zips: int, ok: bool) -> None:
    folder = tmp_path / "build" / "artifacts"
    folder.mkdir(parents=True)
    for i in range(zips):
        (folder / f"lambda{i}.zip").write_bytes(b"zip")
    if ok:
        assert single_artifact(tmp_path).name == "lambda0.zip"
    else:
        with pytest.raises(ReleaseUsageError, match="run `pipeline build`"):
            single_artifact(tmp_path)


def test_sha256_of(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(b"x" * 3_000_000)
    assert sha256_of(path) == hashlib.sha256(b"x" * 3_000_000).hexdigest()


def test_waiting_for_a_dead_app_fails_at_once() -> None:
    with pytest.raises(AppServingError, match="exited during startup"):
        wait_until_answering("http://127.0.0.1:9", lambda: False, timeout_s=5)


def test_waiting_gives_up_after_the_timeout() -> None:
    with pytest.raises(AppServingError, match="did not answer"):
        wait_until_answering("http://127.0.0.1:9", lambda: True, timeout_s=0.3)


class FakeRunner:
    name = "host"

    def __init__(self) -> None:
        self.stopped: list[str] = []

    def start(
        self, env: str, bundle: Path, digest: str, port: int, environ: Mapping[str, str]
    ) -> str:
        return "1"

    def alive(self, handle: str) -> bool:
        return True

    def stop(self, handle: str) -> bool:
        self.stopped.append(handle)
        return handle != "gone"


def test_stop_served_stops_and_forgets_each_app(tmp_path: Path) -> None:
    write_app(tmp_path, ServedApp("dev", "u", 1, "d", "host", "11"))
    write_app(tmp_path, ServedApp("staging", "u", 2, "d", "host", "gone"))
    write_app(tmp_path, ServedApp("prod", "u", 3, "d", "docker", "c"))
    runner = FakeRunner()
    assert stop_served(tmp_path, {"host": runner}) == ["dev"]
    assert sorted(runner.stopped) == ["11", "gone"]
    assert all(read_app(tmp_path, env) is None for env in ("dev", "staging", "prod"))
