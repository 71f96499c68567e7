"""`pipeline release|deploy|smoke|status|history|config|down` with the engine, the emulator and
the app serving faked: the one run path, the target's lifecycle, what a user sees."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from infra.targets import select
from infra.targets.local import LocalTarget
from infra.targets.local_apps import AppServingError, LocalApps
from infra.targets.local_emulator import EmulatorState
from infra.targets.local_state import ServedApp, read_app, write_app
from pipeline import cli
from pipeline.catalog import RELEASE_STAGES
from pipeline.cli import environment_commands, local_stack, stage_commands
from pipeline.results import Status
from tests.unit.ci.fake_engine import FakeEngine

DIGEST = hashlib.sha256(b"zip").hexdigest()
EMULATOR = "http://127.0.0.1:7"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("dagger.json", "pyproject.toml", "uv.lock"):
        (tmp_path / name).write_text("{}" if name == "dagger.json" else "")
    (tmp_path / "build" / "artifacts").mkdir(parents=True)
    (tmp_path / "build" / "artifacts" / "lambda.zip").write_bytes(b"zip")
    monkeypatch.setattr(select, "credential_source", lambda: None)
    monkeypatch.chdir(tmp_path)
    return tmp_path


class Local:
    """The local target without processes: what was started, served and stopped."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, started: bool = False) -> None:
        self.served: list[str] = []
        self.stopped: list[str] = []
        self.fail_serving = False
        state = EmulatorState(EMULATOR, 4242, True) if started else None

        def start(cls: type[LocalTarget], state_dir: Path) -> LocalTarget:
            return cls(EMULATOR, started=state, state_dir=state_dir)

        def serve(apps: LocalApps, env: str, port: int | None = None) -> ServedApp:
            if self.fail_serving:
                raise AppServingError("port in use")
            self.served.append(env)
            served = ServedApp(env, apps.url(env), 1, DIGEST, "host", "1")
            write_app(apps._repo, served)
            return served

        def stop(target: LocalTarget) -> int | None:
            self.stopped.append(target.endpoint)
            return 4242

        monkeypatch.setattr(LocalTarget, "start", classmethod(start))
        monkeypatch.setattr(LocalTarget, "stop", stop)
        monkeypatch.setattr(LocalApps, "serve", serve)


def engine(monkeypatch: pytest.MonkeyPatch, **kw: Any) -> FakeEngine:
    fake = FakeEngine(**kw)
    monkeypatch.setattr(stage_commands, "choose_local", lambda _name: fake)
    return fake


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, " ".join(out.split()), " ".join(err.split())  # undo the console's wrapping


def test_help_lists_the_release_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("release", "deploy", "smoke", "status", "history", "config", "up", "down"):
        assert f"    {name} " in out


def test_a_local_release_runs_the_stages_and_serves_each_env_after_its_deploy(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local, fake = Local(monkeypatch), engine(monkeypatch)
    code, out, _ = run(capsys, "release")
    assert code == 0
    assert sorted(fake.calls) == sorted(RELEASE_STAGES)
    assert fake.calls[-3:] == ["smoke-staging", "e2e-staging", "perf-staging"]
    assert local.served == ["dev", "staging"]
    # the suites get tokens minted host-side with the local keypair, as secrets
    assert set(fake.secrets["perf-staging"]) >= {"PERF_TOKEN"}
    assert set(fake.secrets["e2e-dev"]) >= {"E2E_TOKEN", "E2E_EXPIRED_TOKEN", "E2E_FOREIGN_TOKEN"}
    assert "PERF_TOKEN" not in fake.secrets["smoke-dev"]
    assert "target: local (no AWS credentials configured" in out
    assert f"local emulator already running at {EMULATOR}" in out
    assert "serving dev: http://127.0.0.1:" in out
    assert f"released digest {DIGEST} to dev, staging (local)" in out
    smoke = fake.params["smoke-dev"]
    assert smoke["PIPELINE_APP_URL_DEV"] == read_app(repo, "dev").url  # type: ignore[union-attr]
    assert smoke["AWS_ENDPOINT_URL"] == EMULATOR
    assert fake.secrets["smoke-dev"]["SMOKE_TOKEN"].count(".") == 2  # a JWT
    assert fake.params["deploy-staging"]["PIPELINE_TARGET"] == "local"
    assert "PIPELINE_DRY_RUN" not in fake.params["deploy-dev"]
    assert json.loads((repo / "build/reports/release.json").read_text())["status"] == "passed"
    assert local.stopped == []  # a release leaves the emulator for history/status


def test_a_failed_deploy_stops_the_release(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local = Local(monkeypatch)
    fake = engine(monkeypatch, outcomes={"deploy-staging": Status.FAILED})
    assert run(capsys, "release")[0] == 1
    assert "smoke-staging" not in fake.calls
    assert local.served == ["dev"]


def test_serving_that_fails_fails_the_deploy_stage_and_skips_its_smoke(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local, fake = Local(monkeypatch), engine(monkeypatch)
    local.fail_serving = True
    code, out, _ = run(capsys, "release")
    assert code == 1
    assert fake.calls == ["build", "deploy-dev"]
    assert "deploy-dev passed, but the local target could not follow up: port in use" in out
    report = json.loads((repo / "build/reports/release.json").read_text())
    assert {s["name"]: s["status"] for s in report["stages"]}["smoke-dev"] == "skipped"


def test_an_aws_release_serves_nothing_locally(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local, fake = Local(monkeypatch), engine(monkeypatch)
    code, out, _ = run(capsys, "release", "--target", "aws")
    assert code == 0
    assert local.served == []
    assert "target: aws (chosen with --target)" in out
    assert "AWS_ENDPOINT_URL" not in fake.params["deploy-dev"]


def test_deploy_runs_build_and_the_deploy_stage_then_serves_the_env(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local, fake = Local(monkeypatch), engine(monkeypatch)
    code, out, _ = run(capsys, "deploy", "--env", "staging")
    assert code == 0
    assert fake.calls == ["build", "deploy-staging"]  # not dev's stages: what is there stays
    assert local.served == ["staging"]
    assert f"staging answers at {read_app(repo, 'staging').url}" in out  # type: ignore[union-attr]


def test_a_dry_run_deploy_serves_nothing_and_stops_the_emulator_it_started(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local, fake = Local(monkeypatch, started=True), engine(monkeypatch)
    code, out, _ = run(capsys, "deploy", "--env", "dev", "--dry-run")
    assert code == 0
    assert fake.params["deploy-dev"]["PIPELINE_DRY_RUN"] == "1"
    assert local.served == []
    assert local.stopped == [EMULATOR]
    assert "stopped the local emulator this run started (pid 4242)" in out
    assert "answers at" not in out
    assert out.endswith("log of deploy-dev")  # the stage's output (the plan) comes last


def test_smoke_alone_needs_the_env_served_and_gets_its_url_and_a_token(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Local(monkeypatch)
    fake = engine(monkeypatch)
    code, _, err = run(capsys, "smoke", "--env", "dev")
    assert code == 2
    assert "dev is not served locally: run `pipeline deploy --env dev`" in err
    assert fake.calls == []
    write_app(repo, ServedApp("dev", "http://127.0.0.1:8123", 8123, DIGEST, "docker", "c"))
    assert run(capsys, "smoke", "--env", "dev")[0] == 0
    assert fake.calls == ["smoke-dev"]
    assert fake.params["smoke-dev"]["PIPELINE_APP_URL_DEV"] == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["deploy", "--env", "prod"], "deploy runs in dev, staging"),
        (["deploy", "--env", "qa"], "deploy runs in dev, staging"),
        (["smoke", "--env", "Dev"], "smoke runs in dev, staging"),
        (["history", "--env", ""], "unknown environment ''; allowed: dev, staging, prod"),
        (["status", "--env", "test"], "unknown environment 'test'"),
        (["deploy", "--env", "dev", "--target", "gcp"], ""),
        (["up", "remote"], ""),
        (["config"], "choose show, diff, export"),
        (["config", "delete", "--env", "dev"], "choose show, diff, export"),
        (["release", "--engine", "dagger"], "use the Dagger module's own functions"),
        (["deploy", "--env", "dev", "--jobs", "0"], "--jobs 0"),
    ],
)
def test_bad_usage_exits_2_and_runs_nothing(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    fake = FakeEngine()
    monkeypatch.setattr(stage_commands, "choose", lambda _name: fake)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert fake.calls == []


@pytest.mark.parametrize("kind", ["status", "history"])
def test_status_and_history_call_infra_in_process_with_the_target_on_stderr(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    shown: list[tuple[str, str, bool]] = []

    def show(target: Any, config: Any, emit: Any, *, as_json: bool, **_: Any) -> None:
        shown.append((type(target).__name__, config.name, as_json))
        emit("{}")

    where = environment_commands if kind == "history" else environment_commands.commands
    monkeypatch.setattr(where, f"show_{kind}", show)
    monkeypatch.setattr(LocalTarget, "running", classmethod(lambda cls, state_dir: cls(EMULATOR)))
    code = cli.main([kind, "--env", "staging", "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    assert shown == [("LocalTarget", "staging", True)]
    assert out == "{}\n"  # stdout is the view alone
    assert "target: local (no AWS credentials configured" in err


def test_status_never_starts_an_emulator(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    code, _, err = run(capsys, "status", "--env", "dev")
    assert code == 1
    assert "no local AWS emulator is running" in err
    assert not (repo / ".pipeline" / "local" / "emulator.json").exists()


def test_config_runs_infra_in_process(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config", "show", "--env", "dev", "--format", "json")
    assert code == 0
    assert '"name": "dev"' in out


def test_down_stops_what_releases_serve_and_the_release_emulator(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stopped: list[Path] = []
    monkeypatch.setattr(local_stack, "stop_recorded", lambda d: stopped.append(d) or 4242)
    write_app(repo, ServedApp("dev", "u", 1, "d", "host", "999999"))
    code, out, _ = run(capsys, "down", "local")
    assert code == 0
    assert "no local stack is running" in out
    assert "stopped the released apps of: none running" in out  # pid 999999 is not ours
    assert "stopped the local emulator (pid 4242)" in out
    assert stopped == [repo / ".pipeline" / "local"]
    assert read_app(repo, "dev") is None


@pytest.mark.parametrize(
    ("argv", "engine", "image"),
    [
        (["up", "local", "--detach"], "host", None),
        (["up", "local", "--port", "8123"], "host", None),
    ],
)
def test_up_hands_app_local_the_stack_in_process(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    engine: str,
    image: str | None,
) -> None:
    calls: list[dict[str, Any]] = []

    def up(repo_: Path, **kwargs: Any) -> None:
        calls.append({"repo": repo_, **kwargs})

    monkeypatch.setattr(local_stack, "up", up)
    assert run(capsys, *argv)[0] == 0
    [call] = calls
    assert (call["repo"], call["engine"].value, call["image"]) == (repo, engine, image)
    assert call["detach"] is ("--detach" in argv)
    assert call["port"] == (8123 if "--port" in argv else 8000)


def test_up_refuses_a_port_that_is_not_one(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(local_stack, "up", pytest.fail)
    code, out, _ = run(capsys, "up", "local", "--port", "70000")
    assert code == 2
    assert "--port 70000 is not a TCP port" in out


# --- data safety (issue 11): on-demand kinds act on what is deployed ---------------------------


@pytest.fixture
def emulator_running(monkeypatch: pytest.MonkeyPatch) -> None:
    """An emulator that already runs (backups and drills never start one)."""

    def running(cls: type[LocalTarget], state_dir: Path, app_urls: object = None) -> LocalTarget:
        return cls(EMULATOR, state_dir=state_dir)

    monkeypatch.setattr(LocalTarget, "running", classmethod(running))


def test_a_drill_hands_its_switches_and_time_to_the_stage_and_starts_no_emulator(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    emulator_running: None,
) -> None:
    local, fake = Local(monkeypatch), engine(monkeypatch)
    argv = ("drill", "restore", "--env", "staging", "--fresh-backup", "--to-time")
    code, out, _ = run(capsys, *argv, "2026-12-04T13:55:00Z")
    assert code == 0
    assert fake.calls == ["drill-staging"]  # no build, no deploy: it acts on what is there
    params = fake.params["drill-staging"]
    assert params["PIPELINE_FRESH_BACKUP"] == "1"
    assert params["PIPELINE_TO_TIME"] == "2026-12-04T13:55:00Z"
    assert "PIPELINE_KEEP" not in params and "PIPELINE_ALLOW_PROD" not in params
    assert f"local emulator running at {EMULATOR}" in out
    assert (local.served, local.stopped) == ([], [])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["drill", "restore", "--env", "dev", "--to-time", "2026-12-04T13:55"], "no timezone"),
        (["drill", "--env", "dev"], "choose from 'restore'"),
        (["restore-object", "--env", "dev"], "--key"),
        (["backup", "--env", "qa"], "unknown environment 'qa'"),
        (["restore", "--env", "dev", "--approved-by", "me"], "--from"),
    ],
)
def test_bad_data_safety_input_exits_2_and_runs_nothing(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    emulator_running: None,
    argv: list[str],
    message: str,
) -> None:
    fake = engine(monkeypatch)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert fake.calls == []


def test_a_stage_that_refuses_its_input_makes_the_command_exit_2(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    emulator_running: None,
) -> None:
    """A prod drill without --allow-prod: the drill stage's step exits 2, and so does the CLI;
    a drill that ran and failed exits 1."""
    fake = engine(monkeypatch, outcomes={"drill-prod": Status.FAILED}, exit_codes={"drill-prod": 2})
    assert run(capsys, "drill", "restore", "--env", "prod")[0] == 2
    fake.exit_codes["drill-prod"] = 1
    assert run(capsys, "drill", "restore", "--env", "prod")[0] == 1


def test_promote_runs_the_deploy_prod_stage_with_its_options_after_the_gate(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import promotion

    Local(monkeypatch)
    fake = engine(monkeypatch)
    gated: list[str] = []
    monkeypatch.setattr(promotion, "preflight", lambda args, _repo: gated.append(args.digest))
    digest = "e" * 64
    code, _, _ = run(
        capsys, "promote", "--env", "prod", "--digest", digest, "--approved-by", "rita"
    )
    assert code == 0
    assert gated == [digest]
    assert fake.calls == ["deploy-prod"]  # the digest is fetched, never rebuilt: no build stage
    params = fake.params["deploy-prod"]
    assert params["PIPELINE_DIGEST"] == digest
    assert params["PIPELINE_APPROVED_BY"] == "rita"
    assert params["PIPELINE_TARGET"] == "local"
    assert params["AWS_ENDPOINT_URL"] == EMULATOR


def test_hotfix_undo_and_resume_run_their_prod_stages(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Local(monkeypatch)
    fake = engine(monkeypatch)
    digest = "e" * 64
    assert run(capsys, "hotfix", "--env", "prod", "--digest", digest, "--reason", "CVE")[0] == 0
    assert run(capsys, "undo", "--env", "prod")[0] == 0
    assert run(capsys, "resume", "--env", "prod")[0] == 0
    assert fake.calls == ["hotfix-prod", "undo-prod", "resume-prod"]
    assert fake.params["hotfix-prod"]["PIPELINE_REASON"] == "CVE"
    assert "PIPELINE_UNDO_TO" not in fake.params["undo-prod"]


def test_history_shows_the_rollouts_with_their_verdicts(
    repo: Path, moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deployment records first, then each rollout (kind, outcome, weight, verdict, reason);
    `--json` is one list of both, newest first, each saying which record it is."""
    from datetime import UTC, datetime

    from infra.aws.items import ItemTable
    from infra.config import load_environment
    from infra.rollout.plan import RolloutPlan, SetWeight
    from infra.rollout.record import Kind, RolloutRecord, Status
    from infra.rollout.store import RolloutStore
    from tests.integration.infra.rollout.harness import create_table

    config = load_environment("prod")
    clients = LocalTarget(moto_endpoint).clients(config.region)
    create_table(clients, config.names.deployments_table)
    store = RolloutStore(ItemTable(clients, config.names.deployments_table), "prod")
    at = datetime(2026, 12, 4, 12, tzinfo=UTC)
    plan = RolloutPlan((SetWeight(100),))
    good = RolloutRecord("r-good", "prod", "local", Kind.PROMOTE, "b" * 64, "aaaaaaaaaaaa",
                         "bbbbbbbbbbbb", "rita", at, plan, status=Status.SUCCEEDED, weight=100,
                         finished_at=at)  # fmt: skip
    later = at.replace(hour=13)
    bad = RolloutRecord("r-bad", "prod", "local", Kind.HOTFIX, "c" * 64, "bbbbbbbbbbbb",
                        "cccccccccccc", "sam", later, plan, reason="urgent",
                        status=Status.ROLLED_BACK, verdict="Failed",
                        verdict_message="error_rate 0.9 > 0.05", finished_at=later)  # fmt: skip
    store.create(good)
    store.create(bad)
    environ = {"AWS_ENDPOINT_URL": moto_endpoint}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environ.items():
            patch.setenv(key, value)
        assert cli.main(["history", "--env", "prod"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert "rollouts of prod (newest first):" in lines
        first = next(i for i, line in enumerate(lines) if "rollout r-bad" in line)
        assert "hotfix  rolled_back    0%  cccccccccccc" in lines[first]
        assert lines[first + 1].strip() == "verdict: Failed: error_rate 0.9 > 0.05"
        assert lines[first + 2].strip() == "reason: urgent"
        assert "rollout r-good  promote succeeded    100%" in lines[first + 3]
        assert cli.main(["history", "--env", "prod", "--json"]) == 0
        items = json.loads(capsys.readouterr().out)
    assert [(i["record"], i.get("rollout_id"), i.get("status")) for i in items] == [
        ("rollout", "r-bad", "rolled_back"),
        ("rollout", "r-good", "succeeded"),
    ]
