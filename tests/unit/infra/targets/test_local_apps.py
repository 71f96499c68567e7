"""How the local target serves an environment's app: settings from the deployed function,
the digest check, waiting until it answers, records, stopping."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from infra.operations.users.local_identity import LocalIdentity
from infra.operations.users.pool import PoolRef
from infra.targets import local_apps
from infra.targets.local import LocalTarget
from infra.targets.local_apps import AppServingError, LocalApps, stop_served, wait_until_answering
from infra.targets.local_lifecycle import LocalLifecycle
from infra.targets.local_state import ServedApp, read_app, write_app
from tests.conftest import free_port

DIGEST_OF_ZIP = hashlib.sha256(b"zip").hexdigest()
TARGET = LocalTarget("http://127.0.0.1:5")


class FakeClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class FakeRunner:
    name = "host"

    def __init__(self, alive: bool = True) -> None:
        self.started: list[tuple[str, int, Mapping[str, str]]] = []
        self.stopped: list[str] = []
        self._alive = alive

    def start(
        self, env: str, bundle: Path, digest: str, port: int, environ: Mapping[str, str]
    ) -> str:
        self.started.append((env, port, environ))
        return "42"

    def alive(self, handle: str) -> bool:
        return self._alive

    def logs(self, handle: str) -> str:
        return "Traceback: boom"

    def stop(self, handle: str) -> bool:
        self.stopped.append(handle)
        return handle != "gone"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "build" / "artifacts").mkdir(parents=True)
    (tmp_path / "build" / "artifacts" / "lambda.zip").write_bytes(b"zip")
    return tmp_path


POOL = LocalIdentity(PoolRef("eu-west-1_pool", "client1", "eu-west-1"), TARGET.endpoint, ())


def deployed(
    monkeypatch: pytest.MonkeyPatch, digest: str, identity: LocalIdentity | None = POOL
) -> None:
    def settings(
        target: LocalTarget,
        config: Any,
        bundle_digest: str,
        pem: str,
        caller: Mapping[str, str],
    ) -> dict[str, str]:
        if digest != bundle_digest:
            raise AppServingError("dev runs another digest: deploy this build first")
        return {"EI_ARTIFACT_DIGEST": digest, "AWS_ENDPOINT_URL": target.endpoint}

    monkeypatch.setattr(local_apps, "app_settings", settings)
    monkeypatch.setattr(local_apps, "ensure_identity", lambda target, config: identity)


def test_serve_starts_the_app_and_records_it(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deployed(monkeypatch, DIGEST_OF_ZIP)
    monkeypatch.setattr(local_apps, "wait_until_answering", lambda url, alive, clock: None)
    runner = FakeRunner()
    served = LocalApps(repo, runner, TARGET, caller_env={}).serve("dev", port=8111)
    assert (served.url, served.digest, served.handle) == (
        "http://127.0.0.1:8111",
        DIGEST_OF_ZIP,
        "42",
    )
    assert read_app(repo, "dev") == served
    ((env, port, environ),) = runner.started
    assert (env, port) == ("dev", 8111)
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5"
    # the emulator's pool is trusted next to the local release key
    assert environ["EI_JWT_EXTRA_ISSUER"] == POOL.pool.issuer
    assert environ["EI_JWT_EXTRA_JWKS_URL"] == (
        "http://127.0.0.1:5/eu-west-1_pool/.well-known/jwks.json"
    )


def test_a_redeploy_stops_the_app_it_replaces_first(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed(monkeypatch, DIGEST_OF_ZIP)
    monkeypatch.setattr(local_apps, "wait_until_answering", lambda url, alive, clock: None)
    write_app(repo, ServedApp("dev", "http://127.0.0.1:8111", 8111, DIGEST_OF_ZIP, "host", "7"))
    write_app(repo, ServedApp("qa", "http://127.0.0.1:8112", 8112, DIGEST_OF_ZIP, "host", "8"))
    runner = FakeRunner()
    LocalApps(repo, runner, TARGET, caller_env={}).serve("dev", port=8111)
    assert runner.stopped == ["7"]  # dev's previous app only, before the new one started
    assert [env for env, _, _ in runner.started] == ["dev"]
    # an app another runner serves is not this runner's to stop (its handle means nothing here)
    write_app(repo, ServedApp("dev", "http://127.0.0.1:8111", 8111, DIGEST_OF_ZIP, "docker", "c"))
    host = FakeRunner()
    LocalApps(repo, host, TARGET, caller_env={}).serve("dev", port=8111)
    assert host.stopped == []


def test_serve_refuses_a_build_that_is_not_deployed(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed(monkeypatch, "f" * 64)
    with pytest.raises(AppServingError, match="deploy this build"):
        LocalApps(repo, FakeRunner(), TARGET, caller_env={}).serve("dev")


def test_serve_shows_the_output_of_an_app_that_died(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed(monkeypatch, DIGEST_OF_ZIP)
    apps = LocalApps(repo, FakeRunner(alive=False), TARGET, caller_env={}, clock=FakeClock())
    with pytest.raises(AppServingError, match="Traceback: boom"):
        apps.serve("dev")


@pytest.mark.emulator
def test_settings_of_a_function_that_is_not_deployed(moto_endpoint: str) -> None:
    from infra.config import load_environment

    with pytest.raises(AppServingError, match="deploy dev first"):
        local_apps.app_settings(
            LocalTarget(moto_endpoint), load_environment("dev"), DIGEST_OF_ZIP, "PEM", {}
        )


def test_waiting_for_a_dead_app_fails_at_once() -> None:
    with pytest.raises(AppServingError, match="exited during startup"):
        wait_until_answering(f"http://127.0.0.1:{free_port()}", lambda: False, FakeClock())


def test_waiting_gives_up_after_the_timeout_on_the_injected_clock() -> None:
    clock = FakeClock()
    start = clock.now()
    with pytest.raises(AppServingError, match=r"did not answer .* within 3 s"):
        wait_until_answering(
            f"http://127.0.0.1:{free_port()}", lambda: True, clock, timedelta(seconds=3)
        )
    assert clock.now() - start >= timedelta(seconds=3)


def test_stop_served_stops_and_forgets_each_app(tmp_path: Path) -> None:
    write_app(tmp_path, ServedApp("dev", "u", 1, "d", "host", "11"))
    write_app(tmp_path, ServedApp("staging", "u", 2, "d", "host", "gone"))
    write_app(tmp_path, ServedApp("prod", "u", 3, "d", "docker", "c"))
    runner = FakeRunner()
    assert stop_served(tmp_path, {"host": runner}) == ["dev"]
    assert sorted(runner.stopped) == ["11", "gone"]
    assert all(read_app(tmp_path, env) is None for env in ("dev", "staging", "prod"))


@pytest.mark.parametrize(
    ("kind", "passed", "serves"),
    [("deploy", True, True), ("deploy", False, False), ("smoke", True, False)],
)
def test_the_lifecycle_serves_an_env_after_its_deploy_passed(
    repo: Path, monkeypatch: pytest.MonkeyPatch, kind: str, passed: bool, serves: bool
) -> None:
    deployed(monkeypatch, DIGEST_OF_ZIP)
    monkeypatch.setattr(local_apps, "wait_until_answering", lambda url, alive, clock: None)
    runner = FakeRunner()
    lifecycle = LocalLifecycle(TARGET, LocalApps(repo, runner, TARGET, caller_env={}))
    assert lifecycle.before_stage(kind, "dev") is None
    line = lifecycle.after_stage(kind, "dev", passed)
    assert (line is not None) is serves
    assert len(runner.started) == int(serves)
    if serves:
        assert line is not None and line.startswith("serving dev: http://127.0.0.1:")
        assert "user pool eu-west-1_pool on the emulator (existing)" in line


def test_the_lifecycle_says_which_pool_it_created(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = LocalIdentity(POOL.pool, TARGET.endpoint, ("user pool p", "app client c"))
    deployed(monkeypatch, DIGEST_OF_ZIP, made)
    monkeypatch.setattr(local_apps, "wait_until_answering", lambda url, alive, clock: None)
    lifecycle = LocalLifecycle(TARGET, LocalApps(repo, FakeRunner(), TARGET, caller_env={}))
    line = lifecycle.after_stage("deploy", "dev", True)
    assert line is not None and "(created user pool p and app client c)" in line


def test_an_external_identity_provider_serves_without_a_pool(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed(monkeypatch, DIGEST_OF_ZIP, None)
    monkeypatch.setattr(local_apps, "wait_until_answering", lambda url, alive, clock: None)
    runner = FakeRunner()
    line = LocalLifecycle(TARGET, LocalApps(repo, runner, TARGET, caller_env={})).after_stage(
        "deploy", "dev", True
    )
    assert line is not None and "user pool" not in line
    ((_, _, environ),) = runner.started
    assert "EI_JWT_EXTRA_ISSUER" not in environ


def test_a_dry_run_lifecycle_serves_nothing_and_stops_the_emulator_it_started() -> None:
    from infra.targets.local_emulator import EmulatorState

    stopped: list[str] = []

    class Started(LocalTarget):
        def stop(self) -> int | None:
            stopped.append(self.endpoint)
            return 7

    started = Started("http://127.0.0.1:5", started=EmulatorState("http://127.0.0.1:5", 7, True))
    lifecycle = LocalLifecycle(started, None, keep_emulator=False)
    assert lifecycle.after_stage("deploy", "dev", True) is None
    assert lifecycle.close() == "stopped the local emulator this run started (pid 7)"
    assert stopped == ["http://127.0.0.1:5"]
    # an emulator that ran before the run is never stopped by it
    assert LocalLifecycle(TARGET, None, keep_emulator=False).close() is None


def test_the_url_handed_out_before_serving_is_where_the_app_answers(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed(monkeypatch, DIGEST_OF_ZIP)
    monkeypatch.setattr(local_apps, "wait_until_answering", lambda url, alive, clock: None)
    apps = LocalApps(repo, FakeRunner(), TARGET, caller_env={})
    promised = apps.url("dev")  # given to the smoke stage before the deploy ran
    assert apps.serve("dev").url == promised
    assert LocalApps(repo, FakeRunner(), TARGET).url("dev") == promised  # kept across runs
