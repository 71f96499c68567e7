"""The host side of a run on a target: run parameters and secrets (pure, table-tested), where
the local apps answer, and the target's lifecycle as the scheduler's stage hooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.targets.base import NoLifecycle, TargetChoice, TargetKind
from infra.targets.local_apps import AppServingError
from infra.targets.local_state import ServedApp, write_app
from pipeline.catalog import CATALOG, alone
from pipeline.release import target_run
from pipeline.release.errors import ReleaseUsageError
from pipeline.release.target_run import (
    LifecycleHooks,
    open_on_target,
    release_params,
    release_secrets,
)
from pipeline.results import StageResult, Status


def test_local_params_name_the_emulator_and_each_app() -> None:
    params = release_params(
        TargetKind.LOCAL,
        "abc1234",
        "me@host",
        "http://127.0.0.1:5000",
        {"dev": "http://127.0.0.1:1"},
    )
    assert params == {
        "PIPELINE_TARGET": "local",
        "PIPELINE_COMMIT": "abc1234",
        "PIPELINE_ACTOR": "me@host",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "PIPELINE_APP_URL_DEV": "http://127.0.0.1:1",
    }


def test_aws_params_never_point_boto3_at_an_emulator() -> None:
    params = release_params(TargetKind.AWS, "abc1234", "ci", "http://127.0.0.1:5000", {"dev": "x"})
    assert params == {
        "PIPELINE_TARGET": "aws",
        "PIPELINE_COMMIT": "abc1234",
        "PIPELINE_ACTOR": "ci",
    }


ENVIRON = {
    "AWS_ACCESS_KEY_ID": "AKIA",
    # pragma: allowlist nextline secret
    "AWS_SECRET_ACCESS_KEY": "secret",
    "AWS_SESSION_TOKEN": "",
    # pragma: allowlist nextline secret
    "SMOKE_TOKEN": "aws-token",
    "UNRELATED": "x",
}


@pytest.mark.parametrize(
    ("kind", "local_token", "expected"),
    [
        # pragma: allowlist nextline secret
        (TargetKind.LOCAL, "local-token", {"SMOKE_TOKEN": "local-token"}),
        (TargetKind.LOCAL, None, {}),
        (
            TargetKind.AWS,
            "ignored",
            {
                "AWS_ACCESS_KEY_ID": "AKIA",
                # pragma: allowlist nextline secret
                "AWS_SECRET_ACCESS_KEY": "secret",
                # pragma: allowlist nextline secret
                "SMOKE_TOKEN": "aws-token",
            },
        ),
    ],
)
def test_secrets_are_least_privilege(
    kind: TargetKind, local_token: str | None, expected: dict[str, str]
) -> None:
    assert release_secrets(kind, ENVIRON, local_token) == expected


class Runner:
    name = "host"


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The local target without a process: `LocalTarget.start` answers a fixed endpoint."""
    from infra.targets.local import LocalTarget

    monkeypatch.setattr(
        LocalTarget, "start", classmethod(lambda cls, state_dir: cls("http://127.0.0.1:7"))
    )
    return tmp_path


LOCAL = TargetChoice(TargetKind.LOCAL, "test")


def open_local(repo: Path, names: tuple[str, ...], dry_run: bool = False) -> target_run.OnTarget:
    stages = [CATALOG.stage(name) for name in names]
    return open_on_target(
        LOCAL,
        repo,
        stages,
        lambda: Runner(),  # type: ignore[arg-type,return-value]
        commit="abc1234",
        actor="me",
        environ={},
        dry_run=dry_run,
        say=lambda _line: None,
    )


def test_a_release_reserves_an_app_url_for_each_env_it_deploys(local: Path) -> None:
    opened = open_local(local, tuple(CATALOG.closure(["smoke-staging"])))
    assert set(opened.app_urls) == {"dev", "staging"}
    assert opened.params["AWS_ENDPOINT_URL"] == "http://127.0.0.1:7"
    assert opened.params["PIPELINE_APP_URL_DEV"] == opened.app_urls["dev"]
    assert opened.secrets["SMOKE_TOKEN"].count(".") == 2  # a JWT the local apps accept


def test_a_smoke_alone_needs_an_app_that_is_already_served(local: Path) -> None:
    with pytest.raises(ReleaseUsageError, match="dev is not served locally"):
        open_local(local, ("smoke-dev",))
    write_app(local, ServedApp("dev", "http://127.0.0.1:8123", 8123, "d", "docker", "c"))
    opened = open_local(local, ("smoke-dev",))
    assert opened.params["PIPELINE_APP_URL_DEV"] == "http://127.0.0.1:8123"


def test_a_deploy_alone_needs_no_app_url_nor_token(local: Path) -> None:
    names = tuple(alone(CATALOG, "deploy-dev").stages)
    opened = open_local(local, names, dry_run=True)
    assert opened.app_urls == {}
    assert "SMOKE_TOKEN" not in opened.secrets
    assert opened.lifecycle.after_stage("deploy", "dev", True) is None  # serves nothing


def test_aws_opens_nothing_locally() -> None:
    opened = open_on_target(
        TargetChoice(TargetKind.AWS, "test"),
        Path("/nonexistent"),
        [CATALOG.stage("deploy-dev")],
        pytest.fail,
        commit="abc1234",
        actor="me",
        environ=ENVIRON,
    )
    assert isinstance(opened.lifecycle, NoLifecycle)
    assert "AWS_ENDPOINT_URL" not in opened.params


def result(stage: str, status: Status) -> StageResult:
    return StageResult(stage, status, 1.0, "fake", "", False)


class Lifecycle:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, str, str, bool]] = []
        self.fail = fail

    def before_stage(self, kind: str, env: str) -> str | None:
        self.calls.append(("before", kind, env, True))
        return None

    def after_stage(self, kind: str, env: str, passed: bool) -> str | None:
        self.calls.append(("after", kind, env, passed))
        if self.fail:
            raise AppServingError("port in use")
        return f"serving {env}" if kind == "deploy" and passed else None

    def close(self) -> str | None:
        return None


def test_hooks_hand_each_env_stage_to_the_lifecycle_by_kind_and_env() -> None:
    lifecycle, said = Lifecycle(), list[str]()
    hooks = LifecycleHooks(lifecycle, said.append, "local")
    assert hooks.before(CATALOG.stage("build")) is None  # not a per-environment stage
    assert hooks.before(CATALOG.stage("deploy-dev")) is None
    passed = result("deploy-dev", Status.PASSED)
    assert hooks.after(CATALOG.stage("deploy-dev"), passed) == passed
    assert hooks.after(CATALOG.stage("build"), result("build", Status.PASSED)).status.ok
    assert lifecycle.calls == [("before", "deploy", "dev", True), ("after", "deploy", "dev", True)]
    assert said == ["serving dev"]


def test_a_failed_follow_up_turns_the_stage_into_an_error_so_what_needs_it_is_skipped() -> None:
    hooks = LifecycleHooks(Lifecycle(fail=True), lambda _line: None, "local")
    after = hooks.after(CATALOG.stage("deploy-dev"), result("deploy-dev", Status.PASSED))
    assert after.status is Status.ERROR
    assert after.message == (
        "deploy-dev passed, but the local target could not follow up: port in use"
    )


def test_a_local_promotion_gets_the_hosts_public_key_and_a_probe_token(local: Path) -> None:
    """The local prod runs in the promotion's stage: its versions trust this host's keypair, so
    the host's own tokens (`pipeline rehearse`'s client) are accepted, and its probe has one."""
    from infra.targets.local_state import local_keys

    opened = open_local(local, ("deploy-prod",))
    assert opened.params["PIPELINE_LOCAL_PUBLIC_KEY"] == local_keys(local).public_pem
    assert opened.secrets["PROBE_TOKEN"].count(".") == 2
    plain = open_local(local, ("deploy-dev",), dry_run=True)
    assert "PIPELINE_LOCAL_PUBLIC_KEY" not in plain.params
    assert "PROBE_TOKEN" not in plain.secrets


def test_a_local_app_serves_the_digest_its_function_runs(
    moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `deploy --env staging --digest D` the local app serves D (fetched from staging's
    artifact bucket by digest), not the build in build/artifacts."""
    from infra.config import load_environment
    from infra.targets.local import LocalTarget

    running: dict[str, str] = {}
    fetched: list[tuple[str, str]] = []

    class Functions:
        def __init__(self, clients: object) -> None:
            pass

        def environment(self, function: str) -> dict[str, str]:
            return dict(running)

    def fetch(reader: object, bucket: str, digest: str, into: Path) -> Path:
        fetched.append((bucket, digest))
        return into / f"{digest}.zip"

    monkeypatch.setattr(target_run, "LambdaFunctions", Functions)
    monkeypatch.setattr(target_run, "fetch_by_digest", fetch)
    staging = load_environment("staging")
    target = LocalTarget(moto_endpoint)
    built = tmp_path / "build" / "artifacts" / "lambda.zip"
    running["EI_ARTIFACT_DIGEST"] = "b" * 64
    path, digest = target_run.deployed_bundle(tmp_path, target, staging, built, "b" * 64)
    assert (path, digest, fetched) == (built, "b" * 64, [])  # the build is what runs
    running["EI_ARTIFACT_DIGEST"] = "d" * 64
    path, digest = target_run.deployed_bundle(tmp_path, target, staging, built, "b" * 64)
    assert digest == "d" * 64 and path == tmp_path / "build" / "promoted" / f"{'d' * 64}.zip"
    assert fetched == [(staging.names.artifact_bucket("123456789012", staging.region), "d" * 64)]
