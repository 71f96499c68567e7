"""The release functions of the Dagger module (build, deploy, smoke, status, history, release)
against the recording stand-in: stage order, services, params and how credentials travel."""

from __future__ import annotations

import json
from typing import Any

import anyio
import dagger
import pytest

from pipeline import main as module
from pipeline.catalog import AWS_SECRETS, CATALOG, RELEASE_STAGES, SMOKE_TOKEN_SECRET
from pipeline.engines.dagger import release
from pipeline.engines.dagger import release_plan as rp
from pipeline.engines.dagger.stages import PipelineError, StageRun, StagesFailed
from pipeline.main import Pipeline
from tests.unit.ci.fake_dagger import (
    PLAINTEXT_TOKEN,
    SOURCE,
    FakeClient,
    FakeContainer,
    FakeDirectory,
    FakeFile,
    FakeSecret,
    FakeService,
    Script,
    calls_named,
    env_of,
)

COMMIT = "0123456789abcdef0123456789abcdef01234567"  # pragma: allowlist secret
KEY_ID = "fake-access-key-id-value"
SECRET_KEY = "fake/secret/access/key/value/0000000000"  # pragma: allowlist secret
SESSION = "fake-session-token-value"
EMULATOR_ARGV = ("/opt/venv/bin/moto_server", "-H", "0.0.0.0", "-p", "5000")  # noqa: S104


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(module, "dag", fake)
    return fake


def aws_secrets() -> dict[str, FakeSecret]:
    values = (KEY_ID, SECRET_KEY, SESSION)
    return {name: FakeSecret(name, v) for name, v in zip(AWS_SECRETS, values, strict=True)}


def request(target: str = "local", **credentials: Any) -> release.ReleaseRequest:
    return release.ReleaseRequest.from_args(target, COMMIT, "ci-bot", credentials)


def run(
    client: FakeClient, names: tuple[str, ...], req: release.ReleaseRequest, with_needs: bool
) -> dict[str, StageRun]:
    runs = anyio.run(
        lambda: release.run_release_stages(
            client, CATALOG, names, SOURCE, req, with_needs=with_needs
        )
    )
    return {r.result.name: r for r in runs}


def container(runs: dict[str, StageRun], name: str) -> FakeContainer:
    ctr = runs[name].container
    assert isinstance(ctr, FakeContainer)
    return ctr


def bindings(ctr: FakeContainer) -> dict[str, FakeService]:
    return {c.args[0]: c.args[1] for c in calls_named(ctr, "with_service_binding")}


def starts(client: FakeClient) -> list[str]:
    return [stage for kind, stage in client.events if kind == "start"]


# --- release: order, one emulator, stop at the first failure -----------------------------------


def test_release_runs_the_stages_in_order_inside_one_emulator_session(client: FakeClient) -> None:
    runs = run(client, RELEASE_STAGES, request(), with_needs=True)
    assert list(runs) == list(RELEASE_STAGES)
    assert all(r.passed for r in runs.values())
    # each stage starts after every stage it needs ended (smoke-dev and e2e-dev may overlap)
    stage_events = [e for e in client.events if e[0] in ("start", "end")]
    for name in RELEASE_STAGES:
        started = stage_events.index(("start", name))
        for need in CATALOG.stage(name).needs:
            assert stage_events.index(("end", need)) < started, (name, need)
    # the emulator starts before the first stage and stops after the last
    assert client.events[0] == ("service-start", EMULATOR_ARGV[0])
    assert client.events[-1] == ("service-stop", EMULATOR_ARGV[0])
    # every stage that talks to AWS is bound to that same emulator instance
    emulators = {id(bindings(container(runs, name))["emulator"]) for name in RELEASE_STAGES[1:]}
    assert len(emulators) == 1
    assert "emulator" not in bindings(container(runs, "build"))


def test_the_release_answer_ends_with_the_perf_verdict_block(client: FakeClient) -> None:
    block = "### perf staging (local): Successful\n| check | measured |\n"
    client.scripts["perf-staging"] = Script(step_summary=block)
    client.scripts["smoke-staging"] = Script(step_summary="not a kind that writes one")
    answer = anyio.run(lambda: Pipeline().release(SOURCE, commit=COMMIT))
    assert block.rstrip() in answer
    assert "not a kind that writes one" not in answer


def test_each_suite_stage_gets_only_its_own_minted_tokens(client: FakeClient) -> None:
    runs = run(client, RELEASE_STAGES, request(), with_needs=True)
    given = {
        name: {c.args[0] for c in calls_named(container(runs, name), "with_secret_variable")}
        for name in ("smoke-dev", "e2e-dev", "perf-staging", "deploy-dev")
    }
    assert given == {
        "smoke-dev": {"SMOKE_TOKEN"},
        "e2e-dev": {"E2E_TOKEN", "E2E_EXPIRED_TOKEN", "E2E_FOREIGN_TOKEN"},
        "perf-staging": {"PERF_TOKEN"},
        "deploy-dev": set(),
    }
    minted = {name for kind, name in client.events if kind == "set_secret"}
    assert "pipeline-local-perf_token" in minted


def test_the_emulator_service_is_moto_server_on_its_exposed_port(client: FakeClient) -> None:
    runs = run(client, RELEASE_STAGES, request(), with_needs=True)
    emulator = bindings(container(runs, "deploy-dev"))["emulator"]
    assert emulator.args == EMULATOR_ARGV
    assert calls_named(emulator.container, "with_exposed_port")[0].args == (5000,)
    assert emulator.container.calls[0].args == ("python:3.11-slim-bookworm",)


@pytest.mark.parametrize(
    ("failing", "ran", "skipped"),
    [
        ("build", ["build"], RELEASE_STAGES[1:]),
        ("deploy-dev", ["build", "deploy-dev"], RELEASE_STAGES[2:]),
        # e2e-dev runs next to smoke-dev (both need only the deploy): it still starts
        ("smoke-dev", list(RELEASE_STAGES[:4]), RELEASE_STAGES[4:]),
        ("e2e-dev", list(RELEASE_STAGES[:4]), RELEASE_STAGES[4:]),
        ("deploy-staging", list(RELEASE_STAGES[:5]), RELEASE_STAGES[5:]),
        ("smoke-staging", list(RELEASE_STAGES[:6]), RELEASE_STAGES[6:]),
        ("e2e-staging", list(RELEASE_STAGES[:7]), RELEASE_STAGES[7:]),
        ("perf-staging", list(RELEASE_STAGES), ()),
    ],
)
def test_release_stops_at_the_first_failure(
    client: FakeClient, failing: str, ran: list[str], skipped: tuple[str, ...]
) -> None:
    client.scripts[failing] = Script(status="failed", exit_code=1)
    with pytest.raises(StagesFailed) as err:
        anyio.run(lambda: Pipeline().release(SOURCE, commit=COMMIT))
    assert starts(client) == ran
    report = str(err.value)
    assert f"| {failing} | failed |" in report
    for name in skipped:
        assert f"| {name} | skipped |" in report
    assert client.events[-1] == ("service-stop", EMULATOR_ARGV[0])  # stopped on failure too


def test_a_passing_release_reports_every_stage_and_the_digest(client: FakeClient) -> None:
    report = anyio.run(lambda: Pipeline().release(SOURCE, commit=COMMIT))
    for name in RELEASE_STAGES:
        assert f"| {name} | passed |" in report
    for name in RELEASE_STAGES[1:]:  # each deploy/smoke shows what it did (scrubbed output)
        assert f"### {name}\n```\nrunner output of {name}" in report
    assert "### build" not in report
    assert f"artifact: sha256:{'ab' * 32}" in report


# --- what each stage gets -------------------------------------------------------------------


def test_deploy_and_smoke_get_params_and_the_emulator_endpoint(client: FakeClient) -> None:
    runs = run(client, RELEASE_STAGES, request(), with_needs=True)
    for name in ("deploy-dev", "deploy-staging"):
        env = env_of(container(runs, name))
        assert env["PIPELINE_TARGET"] == ("local", False)
        assert env["PIPELINE_COMMIT"] == (COMMIT, False)
        assert env["PIPELINE_ACTOR"] == ("ci-bot", False)
        assert env["AWS_ENDPOINT_URL"] == ("http://emulator:5000", False)
        assert "PIPELINE_RUN_ID" in env  # never answered from Dagger's cache
    for env_name in ("dev", "staging"):
        env = env_of(container(runs, f"smoke-{env_name}"))
        assert env[f"PIPELINE_APP_URL_{env_name.upper()}"] == ("http://app:8000", False)
        assert env["AWS_ENDPOINT_URL"] == ("http://emulator:5000", False)
    assert "PIPELINE_RUN_ID" not in env_of(container(runs, "build"))  # cacheable


@pytest.mark.parametrize("env_name", ["dev", "staging"])
def test_smoke_gets_the_app_served_from_the_built_bundle(client: FakeClient, env_name: str) -> None:
    runs = run(client, RELEASE_STAGES, request(), with_needs=True)
    smoke = container(runs, f"smoke-{env_name}")
    bound = bindings(smoke)
    app = bound["app"]
    assert app.args == rp.app_argv(env_name, COMMIT)
    calls = app.container.calls
    bundle = next(c for c in calls if c.method == "with_file" and c.args[0] == rp.BUNDLE_PATH)
    assert bundle.args[1] == FakeFile(container(runs, "build"), "/src/build/artifacts/lambda.zip")
    assert calls_named(app.container, "with_exec")[-1].args[0] == list(rp.unpack_bundle_argv())
    # the app reaches the same emulator the deploy wrote to, and exposes its port
    assert bindings(app.container)["emulator"] is bound["emulator"]
    assert calls_named(app.container, "with_exposed_port")[0].args == (8000,)
    # the token comes as a Dagger secret, never as a value in the chain
    (token,) = calls_named(smoke, "with_secret_variable")
    assert token.args[0] == SMOKE_TOKEN_SECRET
    assert isinstance(token.args[1], FakeSecret)
    assert PLAINTEXT_TOKEN not in repr(smoke.calls)


def test_deploy_staging_gets_the_artifact_though_it_needs_smoke_dev(client: FakeClient) -> None:
    runs = run(client, RELEASE_STAGES, request(), with_needs=True)
    deploy = container(runs, "deploy-staging")
    mounted = {c.args[0]: c.args[1] for c in calls_named(deploy, "with_directory")}
    build = container(runs, "build")
    assert mounted["/src/build/artifacts"] == FakeDirectory((build, "/src/build/artifacts"))


# --- credentials --------------------------------------------------------------------------------


def test_aws_credentials_reach_stages_only_as_secret_variables(client: FakeClient) -> None:
    secrets = aws_secrets()
    req = request(
        "aws",
        AWS_ACCESS_KEY_ID=secrets["AWS_ACCESS_KEY_ID"],
        AWS_SECRET_ACCESS_KEY=secrets["AWS_SECRET_ACCESS_KEY"],
        AWS_SESSION_TOKEN=secrets["AWS_SESSION_TOKEN"],
    )
    runs = run(client, RELEASE_STAGES, req, with_needs=True)
    for name in RELEASE_STAGES[1:]:
        ctr = container(runs, name)
        assert {c.args[0]: c.args[1] for c in calls_named(ctr, "with_secret_variable")} == secrets
        env = env_of(ctr)
        assert not set(AWS_SECRETS) & set(env)
        assert "AWS_ENDPOINT_URL" not in env  # real AWS: no emulator
        assert "emulator" not in bindings(ctr)
        assert env["PIPELINE_TARGET"] == ("aws", False)
        text = repr(ctr.calls)
        for value in (KEY_ID, SECRET_KEY, SESSION):
            assert value not in text
    assert not [e for e in client.events if e[0].startswith("service")]


def test_the_session_token_is_optional_on_aws(client: FakeClient) -> None:
    secrets = aws_secrets()
    req = request(
        "aws",
        AWS_ACCESS_KEY_ID=secrets["AWS_ACCESS_KEY_ID"],
        AWS_SECRET_ACCESS_KEY=secrets["AWS_SECRET_ACCESS_KEY"],
        AWS_SESSION_TOKEN=None,
    )
    runs = run(client, ("build", "deploy-dev"), req, with_needs=False)
    names = [c.args[0] for c in calls_named(container(runs, "deploy-dev"), "with_secret_variable")]
    assert names == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, "--aws-access-key-id=env:AWS_ACCESS_KEY_ID --aws-secret-access-key"),
        ({"AWS_ACCESS_KEY_ID": FakeSecret("k", KEY_ID)}, "--aws-secret-access-key=env:"),
        ({"AWS_SECRET_ACCESS_KEY": FakeSecret("s", SECRET_KEY)}, "--aws-access-key-id=env:"),
    ],
)
def test_aws_without_a_key_pair_is_refused_before_anything_runs(
    client: FakeClient, given: dict[str, FakeSecret], missing: str
) -> None:
    with pytest.raises(PipelineError, match="--target aws needs AWS credentials") as err:
        anyio.run(
            lambda: Pipeline().deploy(
                SOURCE,
                "dev",
                "aws",
                given.get("AWS_ACCESS_KEY_ID"),
                given.get("AWS_SECRET_ACCESS_KEY"),
            )
        )
    assert missing in str(err.value)
    assert client.events == []


def test_real_credentials_never_reach_the_local_target(client: FakeClient) -> None:
    secrets = aws_secrets()
    runs = run(client, RELEASE_STAGES, request("local", **secrets), with_needs=True)
    for name in RELEASE_STAGES[1:]:
        names = [c.args[0] for c in calls_named(container(runs, name), "with_secret_variable")]
        assert not set(AWS_SECRETS) & set(names)


# --- deploy, smoke, status, history, build ---------------------------------------------------


@pytest.mark.parametrize(
    ("function", "target", "started"),
    [
        ("deploy", "local", ["build", "deploy-staging"]),
        ("smoke", "local", ["build", "deploy-staging", "smoke-staging"]),
        ("smoke", "aws", ["smoke-staging"]),
    ],
)
def test_each_function_runs_only_what_it_needs(
    client: FakeClient, function: str, target: str, started: list[str]
) -> None:
    secrets = aws_secrets() if target == "aws" else {}
    report = anyio.run(
        lambda: getattr(Pipeline(), function)(
            SOURCE,
            "staging",
            target,
            secrets.get("AWS_ACCESS_KEY_ID"),
            secrets.get("AWS_SECRET_ACCESS_KEY"),
        )
    )
    assert starts(client) == started
    for name in started:
        assert f"| {name} | passed |" in report


@pytest.mark.parametrize("command", ["status", "history"])
def test_status_and_history_run_their_entries_against_the_emulator(
    client: FakeClient, command: str
) -> None:
    out = anyio.run(lambda: getattr(Pipeline(), command)(SOURCE, "dev"))
    assert out.startswith(f"runner output of {command}-dev")
    assert starts(client) == [f"{command}-dev"]
    assert client.events[0] == ("service-start", EMULATOR_ARGV[0])


def test_a_failed_status_raises_with_the_report(client: FakeClient) -> None:
    client.scripts["status-dev"] = Script(status="failed", exit_code=1)
    with pytest.raises(StagesFailed, match=r"\| status-dev \| failed \|"):
        anyio.run(lambda: Pipeline().status(SOURCE, "dev"))


def test_build_returns_the_zip_and_prints_the_digest(
    client: FakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    out = anyio.run(lambda: Pipeline().build(SOURCE))
    assert isinstance(out, FakeFile)
    assert out.path == "/src/build/artifacts/lambda.zip"
    assert f"sha256:{'ab' * 32}" in capsys.readouterr().out
    assert starts(client) == ["build"]


def test_a_build_without_a_digest_file_is_an_error(client: FakeClient) -> None:
    client.scripts["build"] = Script(digest_file="not a digest")
    with pytest.raises(PipelineError, match=r"lambda\.zip\.sha256 holds 'not a digest'"):
        anyio.run(lambda: Pipeline().build(SOURCE))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "gcp"}, "--target 'gcp' is not a target: use one of local, aws"),
        ({"commit": "HEAD"}, "--commit 'HEAD' must be a 7-40 character"),
        ({"env": "prod"}, "--env 'prod': deploy runs in dev, staging"),
        ({"env": "qa"}, "--env 'qa': deploy runs in dev, staging"),
    ],
)
def test_bad_arguments_are_named_before_anything_runs(
    client: FakeClient, kwargs: dict[str, str], message: str
) -> None:
    args: dict[str, Any] = {"env": "dev", **kwargs}
    with pytest.raises(PipelineError, match=message):
        anyio.run(lambda: Pipeline().deploy(SOURCE, **args))
    assert client.events == []


def test_smoke_on_the_local_target_needs_the_build_of_the_same_call() -> None:
    services = release.LocalServices(FakeClient(), CATALOG, SOURCE, COMMIT, "1")
    with pytest.raises(PipelineError, match="serves the artifact built in the same call"):
        anyio.run(services.wire, CATALOG.stage("smoke-dev"), {})


def test_the_app_is_told_which_environment_it_serves() -> None:
    argv = rp.app_argv("staging", COMMIT)
    assert argv[:4] == (
        "/opt/venv/bin/python",
        "-m",
        "pipeline.engines.dagger.app_service",
        "serve",
    )
    assert dict(zip(argv[4::2], argv[5::2], strict=True))["--env"] == "staging"
    assert json.dumps(argv)  # plain strings only


def test_smoke_on_aws_gets_the_given_token_as_a_secret(client: FakeClient) -> None:
    secrets = aws_secrets()
    token = FakeSecret(SMOKE_TOKEN_SECRET, "cognito-token-plaintext")
    anyio.run(
        lambda: Pipeline().smoke(
            SOURCE,
            "dev",
            "aws",
            secrets["AWS_ACCESS_KEY_ID"],
            secrets["AWS_SECRET_ACCESS_KEY"],
            None,
            token,
        )
    )
    assert starts(client) == ["smoke-dev"]
    minted = [name for kind, name in client.events if kind == "set_secret"]
    assert not [n for n in minted if n.startswith(release.TOKEN_SECRET_PREFIX)]  # none minted


def test_smoke_on_aws_binds_the_token_and_keys_only_as_secrets(client: FakeClient) -> None:
    secrets = {**aws_secrets(), SMOKE_TOKEN_SECRET: FakeSecret("t", "cognito-token-plaintext")}
    runs = run(client, ("smoke-dev",), request("aws", **secrets), with_needs=False)
    smoke = container(runs, "smoke-dev")
    bound = {c.args[0]: c.args[1] for c in calls_named(smoke, "with_secret_variable")}
    assert bound == secrets
    assert "cognito-token-plaintext" not in repr(smoke.calls)
    assert not bindings(smoke)  # AWS: no emulator, no local app


def test_an_emulator_that_does_not_start_is_named(
    client: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(self: FakeService) -> FakeService:
        raise dagger.DaggerError("health check failed: port 5000 not listening")

    monkeypatch.setattr(FakeService, "start", refuse)
    with pytest.raises(PipelineError, match="emulator service did not start: health check"):
        anyio.run(lambda: Pipeline().release(SOURCE))
    assert starts(client) == []


def test_status_of_any_environment_runs_its_entry_where_the_config_loader_judges_the_name(
    client: FakeClient,
) -> None:
    # Read-only kinds run in any environment: the name is checked in one place, the config
    # loader inside the stage (exit 2 naming the choices), not by the module.
    out = anyio.run(lambda: Pipeline().history(SOURCE, "prod"))
    assert out.startswith("runner output of history-prod")
    assert starts(client) == ["history-prod"]


def test_a_deploy_dry_run_is_a_run_parameter_of_the_deploy_stage_only(client: FakeClient) -> None:
    req = release.ReleaseRequest.from_args(
        "local", COMMIT, "ci-bot", {}, {"PIPELINE_DRY_RUN": True}
    )
    runs = run(client, ("build", "deploy-dev"), req, with_needs=False)
    assert env_of(container(runs, "deploy-dev"))["PIPELINE_DRY_RUN"] == ("1", False)
    assert "PIPELINE_DRY_RUN" not in env_of(container(runs, "build"))
    report = anyio.run(lambda: Pipeline().deploy(SOURCE, "dev", dry_run=True))
    assert "| deploy-dev | passed |" in report
