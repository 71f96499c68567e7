"""Opening a target: credentials for AWS, finding a running emulator (no process started here)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infra.aws.errors import CredentialsError, EmulatorUnreachable
from infra.aws.sessions import aws_session
from infra.targets import local_emulator
from infra.targets.aws import AwsTarget
from infra.targets.base import TargetKind
from infra.targets.local import LocalTarget
from infra.targets.select import choose_target, open_target
from tests.conftest import free_port


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


def test_no_credentials_is_a_credentials_error(no_credentials: Path) -> None:
    with pytest.raises(CredentialsError, match="no AWS credentials found"):
        aws_session("eu-west-1")
    assert choose_target(None).kind is TargetKind.LOCAL


def test_unknown_profile_is_a_credentials_error(
    no_credentials: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nope")
    with pytest.raises(CredentialsError, match="ProfileNotFound"):
        aws_session("eu-west-1")


def test_credentials_come_from_the_chain_and_are_never_returned(
    no_credentials: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-value")
    _, source = aws_session("eu-west-1")
    assert source == "env"
    assert choose_target("auto").kind is TargetKind.AWS
    assert choose_target("local").kind is TargetKind.LOCAL


def test_running_endpoint_without_state_or_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(EmulatorUnreachable, match="no local AWS emulator is running"):
        local_emulator.running_endpoint(tmp_path)


def test_running_endpoint_with_a_dead_recorded_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    endpoint = f"http://127.0.0.1:{free_port()}"
    (tmp_path / "emulator.json").write_text(json.dumps({"endpoint": endpoint, "pid": 1}))
    assert local_emulator.read_state(tmp_path) == local_emulator.EmulatorState(endpoint, 1)
    with pytest.raises(EmulatorUnreachable, match="process 1 does not answer"):
        local_emulator.running_endpoint(tmp_path)


def test_unreachable_override_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    with pytest.raises(EmulatorUnreachable, match="set by AWS_ENDPOINT_URL"):
        local_emulator.ensure_emulator(tmp_path)


def test_garbled_state_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "emulator.json").write_text("{not json")
    assert local_emulator.read_state(tmp_path) is None


def test_connect_to_aws_uses_the_chain_and_reports_its_source(
    no_credentials: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-value")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    choice = choose_target(None)
    target = open_target(choice.kind, start=False)
    assert isinstance(target, AwsTarget)
    with mock_aws():
        conn = target.connect("eu-west-1")
    assert conn.kind is TargetKind.AWS
    assert conn.account_id == "123456789012"
    assert conn.notes == ("target: AWS eu-west-1 (credentials from env)",)
    assert choice.describe() == "target: aws (AWS credentials found (env))"
    assert "secret-value" not in " ".join(conn.notes)


def test_a_local_target_for_status_never_starts_an_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(EmulatorUnreachable, match="no local AWS emulator is running"):
        open_target(TargetKind.LOCAL, start=False, state_dir=tmp_path)
    assert not (tmp_path / "emulator.json").exists()


def test_the_local_api_url_is_the_served_app_or_says_how_to_serve_it() -> None:
    from infra.config import load_environment
    from infra.targets.base import TargetError

    dev = load_environment("dev")
    target = LocalTarget("http://127.0.0.1:1", {"dev": "http://127.0.0.1:8123/"})
    assert target.api_url(dev) == "http://127.0.0.1:8123"
    with pytest.raises(TargetError, match="staging is not served locally"):
        target.api_url(load_environment("staging"))


@pytest.mark.parametrize("endpoint", ["file:///etc/passwd", "ftp://127.0.0.1:1", ""])
def test_only_http_endpoints_are_probed(endpoint: str) -> None:
    assert local_emulator.reachable(endpoint) is False


def test_stop_never_signals_a_process_that_is_not_a_moto_server(tmp_path: Path) -> None:
    # Our own pid: alive, but pytest, not moto. The state file is forgotten either way.
    state = {"endpoint": "http://127.0.0.1:1", "pid": os.getpid()}
    (tmp_path / "emulator.json").write_text(json.dumps(state))
    assert local_emulator.stop_emulator(tmp_path) is None
    assert local_emulator.read_state(tmp_path) is None
