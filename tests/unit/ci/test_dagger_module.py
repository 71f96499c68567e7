"""The Dagger module against a recording stand-in for the SDK: the container chains it builds,
how it schedules stages, and how stage results become the function's report or error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import anyio
import dagger
import pytest
from dagger.mod._converter import to_typedef

from pipeline import main as module
from pipeline.catalog import CATALOG, CI_STAGES, EXCLUDES, Catalog, Stage, Step, validate
from pipeline.engines.dagger import checks, plan
from pipeline.engines.dagger.checks import secret_inputs
from pipeline.engines.dagger.stages import RunInputs
from pipeline.main import MissingSecret, Pipeline, StagesFailed, compile_stage, run_stages
from tests.unit.ci.fake_dagger import (
    SOURCE,
    Call,
    FakeCacheVolume,
    FakeClient,
    FakeContainer,
    FakeDirectory,
    FakeFile,
    FakeSecret,
    Script,
    calls_named,
    env_of,
    index_of,
)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(module, "dag", fake)
    return fake


# --- the chain of each catalog stage ----------------------------------------------------------


@pytest.mark.parametrize("name", list(CATALOG.stages))
def test_each_stage_compiles_to_the_expected_chain(name: str) -> None:
    stage = CATALOG.stage(name)
    toolchain = CATALOG.toolchain_of(stage)
    fake = FakeClient()
    # deploy/smoke stages declare AWS keys that are optional (absent on the local target)
    ctr = compile_stage(
        fake, CATALOG, stage, SOURCE, inputs=RunInputs(optional_secrets=stage.secrets)
    )

    assert ctr.calls[0] == Call("from_", (toolchain.base_image,), {})
    execs = [(i, c.args[0]) for i, c in enumerate(ctr.calls) if c.method == "with_exec"]
    apt = [i for i, argv in execs if "apt-get" in " ".join(argv)]
    pip = index_of(
        ctr, "with_exec", ["python", "-m", "pip", "install", "--no-cache-dir", "uv==0.13.9"]
    )
    groups = [arg for group in toolchain.groups for arg in ("--group", group)]
    sync_argv = ["uv", "sync", "--frozen", "--no-install-project", "--no-default-groups", *groups]
    sync = index_of(ctr, "with_exec", sync_argv)
    if toolchain.apt_packages:
        assert len(apt) == 1
        assert all(f" {pkg}" in ctr.calls[apt[0]].args[0][-1] for pkg in toolchain.apt_packages)
        assert apt[0] < pip
    else:
        assert apt == []
    assert pip < sync
    # lock files land before the sync, the source only after it: the install layer is keyed on
    # the lock files alone
    for lock in toolchain.lock_files:
        i = index_of(ctr, "with_file", f"{plan.TOOLCHAIN_DIR}/{lock}")
        assert ctr.calls[i].args[1] == FakeFile(SOURCE, lock)
        assert i < sync
    source_at = index_of(ctr, "with_directory", "/src")
    assert ctr.calls[source_at].args[1] is SOURCE
    assert sync < source_at
    for call in ctr.calls[:source_at]:
        for arg in call.args:
            if isinstance(arg, FakeFile) and arg.origin is SOURCE:
                assert arg.path in toolchain.lock_files
    assert index_of(ctr, "with_env_variable", "UV_PROJECT_ENVIRONMENT") < sync
    assert env_of(ctr)["UV_PROJECT_ENVIRONMENT"] == ("/opt/venv", False)

    env = env_of(ctr)
    assert env["PATH"] == ("/opt/venv/bin:${PATH}", True)
    assert env["PYTHONPATH"] == ("/src/ci/src:/src", False)
    for key, value in stage.env.items():
        assert env[key] == (value, False)
    mounts = {c.args[0]: c.args[1] for c in calls_named(ctr, "with_mounted_cache")}
    for cache in CATALOG.caches_of(stage):
        assert mounts[cache.path] == FakeCacheVolume(f"pipeline-{cache.name}")
        assert env[cache.env_var] == (cache.path, False)
    assert mounts[plan.UV_CACHE.path] == FakeCacheVolume("pipeline-uv")

    workdirs = [c.args[0] for c in calls_named(ctr, "with_workdir")]
    assert workdirs[-1] == "/src"
    assert index_of(ctr, "with_workdir", "/src") > source_at
    last = ctr.calls[-1]
    assert last == Call(
        "with_exec",
        (["python", "-m", "pipeline.stage_runner", name],),
        {"expect": dagger.ReturnType.ANY},
    )
    # nothing is executed between copying the source and running the stage
    assert [c.method for c in ctr.calls[source_at:-1]].count("with_exec") == 0


@pytest.mark.parametrize(
    ("packages", "apt_execs"),
    [((), 0), (("git",), 1), (("git", "curl"), 1)],
)
def test_debian_packages_install_in_one_layer_only_when_declared(
    packages: tuple[str, ...], apt_execs: int
) -> None:
    toolchain = replace(CATALOG.toolchains["python"], apt_packages=packages)
    catalog = replace(CATALOG, toolchains=MappingProxyType({"python": toolchain}))
    ctr = compile_stage(FakeClient(), catalog, CATALOG.stage("lint"), SOURCE)
    apt = [c.args[0] for c in calls_named(ctr, "with_exec") if "apt-get" in " ".join(c.args[0])]
    assert len(apt) == apt_execs
    for argv in apt:
        assert argv[:2] == ["sh", "-euc"]
        assert all(f" {pkg}" in argv[2] for pkg in packages)


def test_scan_gets_the_templates_synth_produced(client: FakeClient) -> None:
    runs = anyio.run(
        lambda: run_stages(
            client, CATALOG, ("scan",), SOURCE, inputs=secret_inputs({"GH_TOKEN": None})
        )
    )
    by_name = {r.result.name: r for r in runs}
    assert list(by_name) == ["synth", "scan"]
    scan, synth = by_name["scan"].container, by_name["synth"].container
    assert isinstance(scan, FakeContainer)
    assert isinstance(synth, FakeContainer)
    at = index_of(scan, "with_directory", "/src/build/synth")
    assert scan.calls[at].args[1] == FakeDirectory((synth, "/src/build/synth"))
    assert at > index_of(scan, "with_directory", "/src")
    assert client.events.index(("end", "synth")) < client.events.index(("start", "scan"))


# --- secrets ----------------------------------------------------------------------------------


def secret_catalog() -> Catalog:
    deploy = Stage(
        name="deploy",
        description="needs a token",
        toolchain="python",
        steps=(Step("deploy", ("python", "-m", "infra", "deploy")),),
        inputs=("infra/**/*",),
        secrets=("DEPLOY_TOKEN",),
    )
    return validate(
        Catalog(
            toolchains=CATALOG.toolchains,
            caches=CATALOG.caches,
            stages=MappingProxyType({"deploy": deploy}),
        )
    )


def test_secrets_reach_the_container_only_as_secret_variables() -> None:
    catalog = secret_catalog()
    plaintext = "s3cr3t-token-value"
    token = FakeSecret("DEPLOY_TOKEN", plaintext)
    ctr = compile_stage(
        FakeClient(),
        catalog,
        catalog.stage("deploy"),
        SOURCE,
        secrets={"DEPLOY_TOKEN": token},
    )
    assert calls_named(ctr, "with_secret_variable") == [
        Call("with_secret_variable", ("DEPLOY_TOKEN", token), {})
    ]
    assert "DEPLOY_TOKEN" not in env_of(ctr)
    assert plaintext not in repr(ctr.calls)


def test_a_stage_with_secrets_reports_the_scrubbed_output_not_its_log_file(
    client: FakeClient,
) -> None:
    catalog = secret_catalog()
    token = FakeSecret("DEPLOY_TOKEN", "s3cr3t-token-value")
    runs = anyio.run(
        lambda: run_stages(client, catalog, ("deploy",), SOURCE, {"DEPLOY_TOKEN": token})
    )
    (deploy,) = runs
    assert deploy.result.status.value == "passed"
    assert deploy.result.log_tail.startswith("runner output of")
    assert "log of deploy" not in deploy.result.log_tail


def test_a_missing_secret_is_named_before_anything_runs() -> None:
    catalog = secret_catalog()
    fake = FakeClient()
    with pytest.raises(MissingSecret, match="DEPLOY_TOKEN") as err:
        compile_stage(fake, catalog, catalog.stage("deploy"), SOURCE)
    assert "env:" in str(err.value)
    assert fake.events == []


# --- ci: concurrency, failure, degraded -------------------------------------------------------


def test_ci_runs_independent_stages_concurrently(client: FakeClient) -> None:
    independent = {"lint", "typecheck", "test", "integration", "synth"}
    started: set[str] = set()
    all_started = anyio.Event()

    async def barrier(stage: str) -> None:
        # each independent stage waits until all of them are running: a sequential scheduler
        # would never get past the first one and time out
        if stage in independent:
            started.add(stage)
            if started == independent:
                all_started.set()
            with anyio.fail_after(5):
                await all_started.wait()

    client.on_start = barrier
    report = anyio.run(Pipeline().ci, SOURCE)

    starts = [stage for kind, stage in client.events if kind == "start"]
    first_end = client.events.index(next(e for e in client.events if e[0] == "end"))
    assert set(starts[:5]) == independent
    assert first_end >= 5
    assert client.events.index(("start", "scan")) > client.events.index(("end", "synth"))
    for name in CI_STAGES:
        assert f"| {name} | passed |" in report
    assert "pipeline: passed" in report


def test_ci_fails_when_a_stage_result_says_failed_and_still_runs_the_rest(
    client: FakeClient,
) -> None:
    client.scripts["lint"] = Script(status="failed", exit_code=1)
    with pytest.raises(StagesFailed) as err:
        anyio.run(Pipeline().ci, SOURCE)
    report = str(err.value)
    assert "| lint | failed |" in report
    assert "last line of lint" in report  # the failing stage's log is shown
    assert "pipeline: failed" in report
    assert {stage for kind, stage in client.events if kind == "end"} == set(CI_STAGES)


@pytest.mark.parametrize(
    ("strict", "fails"),
    [(False, False), (True, True)],
)
def test_degraded_fails_only_when_strict(client: FakeClient, strict: bool, fails: bool) -> None:
    client.scripts["scan"] = Script(status="degraded", exit_code=0)
    if fails:
        with pytest.raises(StagesFailed, match=r"\| scan \| degraded \|"):
            anyio.run(Pipeline().ci, SOURCE, strict)
    else:
        report = anyio.run(Pipeline().ci, SOURCE, strict)
        assert "| scan | degraded |" in report
        assert "3 not audited" in report
        assert "pipeline: degraded" in report


def test_a_failed_synth_skips_scan(client: FakeClient) -> None:
    client.scripts["synth"] = Script(status="failed", exit_code=1)
    with pytest.raises(StagesFailed) as err:
        anyio.run(Pipeline().scan, SOURCE)
    assert "| scan | skipped |" in str(err.value)
    assert ("start", "scan") not in client.events


@pytest.mark.parametrize(
    ("script", "message", "output"),
    [
        (
            Script(engine_error="failed to resolve image: registry unreachable\ndial tcp"),
            "dagger could not run stage 'typecheck': failed to resolve image: registry unreachable",
            "dial tcp",
        ),
        (
            Script(failed_exec=("uv", "sync", "--frozen"), engine_error="lock is out of date"),
            "dagger could not run stage 'typecheck': `uv sync --frozen` exited 2",
            "lock is out of date",
        ),
    ],
)
def test_an_engine_error_is_reported_and_the_other_stages_still_run(
    client: FakeClient, script: Script, message: str, output: str
) -> None:
    client.scripts["typecheck"] = script
    with pytest.raises(StagesFailed) as err:
        anyio.run(Pipeline().ci, SOURCE)
    report = str(err.value)
    assert f"| typecheck | error | 0.0 s | python:3.11-slim-bookworm | {message} |" in report
    assert output in report  # the log tail of the failed install is shown
    assert {stage for kind, stage in client.events if kind == "end"} == set(CI_STAGES)


def test_a_runner_that_wrote_no_result_is_an_error_showing_its_output(client: FakeClient) -> None:
    client.scripts["lint"] = Script(exit_code=2, writes_result=False)
    with pytest.raises(StagesFailed) as err:
        anyio.run(Pipeline().lint, SOURCE)
    assert "| lint | error |" in str(err.value)
    assert "runner output of lint" in str(err.value)


@pytest.mark.parametrize("function", ["lint", "typecheck", "test", "synth"])
def test_each_stage_function_runs_only_its_stage(client: FakeClient, function: str) -> None:
    report = anyio.run(getattr(Pipeline(), function), SOURCE)
    assert [stage for kind, stage in client.events if kind == "start"] == [function]
    assert f"| {function} | passed |" in report


def test_reports_collects_every_stage_report_folder(client: FakeClient) -> None:
    client.scripts["test"] = Script(status="failed", exit_code=1)
    out = anyio.run(Pipeline().reports, SOURCE)  # does not raise: reports are wanted on failure
    assert isinstance(out, FakeDirectory)
    folders = {c.args[0]: c.args[1] for c in out.calls if c.method == "with_directory"}
    assert set(folders) == set(CI_STAGES)
    for name, folder in folders.items():
        assert folder.origin[1] == f"/src/build/reports/{name}"
    files = {c.args[0]: c.args[1] for c in out.calls if c.method == "with_new_file"}
    assert "| test | failed |" in files["summary.md"]
    report = json.loads(files["report.json"])
    assert report["engine"] == "dagger"
    assert report["status"] == "failed"
    assert [s["name"] for s in report["stages"]] == list(CATALOG.closure(CI_STAGES))


# --- what Dagger registers --------------------------------------------------------------------


RELEASE_FUNCTIONS = {"build", "deploy", "smoke", "status", "history", "e2e", "perf", "release"}
RELEASE_FUNCTIONS |= {"backup", "drill", "restore_object"}  # data safety (issue 11)
# The data-safety kinds' valued options: plain strings that carry no credential.
OPTION_ARGUMENTS = {"to_time", "key", "version", "digest"}  # valued options: checked values
OPERATIONS_FUNCTIONS = {
    "report"
}  # its own tests: tests/unit/ci/engines/dagger/test_report_function.py
PROMOTION_FUNCTIONS = {"promote", "hotfix", "undo", "resume", "retire"}


def test_the_module_exposes_one_documented_function_per_stage() -> None:
    obj = Pipeline.__dagger_module__.get_object("Pipeline")
    assert set(obj.functions) == {
        *CI_STAGES, "ci", "reports", *RELEASE_FUNCTIONS, *OPERATIONS_FUNCTIONS,
        *PROMOTION_FUNCTIONS,
    }  # fmt: skip
    for name, fn in obj.functions.items():
        assert fn.doc, name
        to_typedef(fn.return_type, name)  # raises for a type Dagger cannot expose
        params = fn.parameters
        for param in params.values():
            assert param.doc, f"{name}.{param.name} has no Doc"
            to_typedef(param.resolved_type, f"{name}.{param.name}")
        assert params["source"].resolved_type is dagger.Directory
        assert params["source"].default_path == "/"
        assert params["source"].ignore == list(EXCLUDES)
        if name in PROMOTION_FUNCTIONS:
            assert params["env"].resolved_type is str
            assert {"target", "actor"} <= set(params)
        elif name not in RELEASE_FUNCTIONS | OPERATIONS_FUNCTIONS:
            audits = name in ("ci", "scan", "reports")  # the workflow audit's online checks
            assert set(params) == {"source", "strict", *(("github_token",) if audits else ())}
            assert params["strict"].default_value == "false"
            if audits:
                assert params["github_token"].resolved_type == dagger.Secret | None


def test_promotion_functions_take_their_options_and_secrets() -> None:
    functions = Pipeline.__dagger_module__.get_object("Pipeline").functions
    promote = functions["promote"].parameters
    assert {"digest", "approved_by", "probe_token", "notify_slack_url"} <= set(promote)
    assert promote["digest"].resolved_type is str
    assert promote["probe_token"].resolved_type == dagger.Secret | None
    assert {"digest", "reason"} <= set(functions["hotfix"].parameters)
    assert "to" in functions["undo"].parameters
    assert {"older_than", "dry_run"} <= set(functions["retire"].parameters)


def test_the_github_token_reaches_only_the_scan_stage_as_a_secret(client: FakeClient) -> None:
    token = client.set_secret("gh", "value")
    runs = anyio.run(
        lambda: run_stages(
            client, CATALOG, CI_STAGES, SOURCE, inputs=secret_inputs({"GH_TOKEN": token})
        )
    )
    for run in runs:
        assert run.container is not None, run.result
        given = [c.args for c in calls_named(run.container, "with_secret_variable")]
        assert given == ([("GH_TOKEN", token)] if run.result.name == "scan" else []), run.result


def test_ci_hands_its_github_token_to_the_stages(
    client: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[RunInputs] = []
    real = checks.run_stages

    async def spy(*args: object, inputs: RunInputs, **kwargs: object) -> object:
        seen.append(inputs)
        return await real(*args, inputs=inputs, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(checks, "run_stages", spy)
    token = client.set_secret("gh", "value")
    anyio.run(lambda: Pipeline().ci(SOURCE, github_token=token))  # type: ignore[arg-type]
    anyio.run(lambda: Pipeline().ci(SOURCE))
    assert [dict(i.secrets) for i in seen] == [{"GH_TOKEN": token}, {}]
    assert all(tuple(i.optional_secrets) == ("GH_TOKEN",) for i in seen)


CREDENTIALS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


@pytest.mark.parametrize("name", sorted(RELEASE_FUNCTIONS - {"build"}))
def test_release_functions_take_credentials_only_as_optional_secrets(name: str) -> None:
    fn = Pipeline.__dagger_module__.get_object("Pipeline").functions[name]
    params = fn.parameters
    assert params["target"].default_value == '"local"'
    for cred in CREDENTIALS:
        assert params[cred].resolved_type == dagger.Secret | None
        assert params[cred].default_value == "null"
    # nothing else that could carry a credential is a plain string
    strings = {p.name for p in params.values() if p.resolved_type is str}
    assert strings <= {"env", "target", "commit", "actor", *OPTION_ARGUMENTS}
    assert fn.cache_policy == "never"  # a deploy or smoke test is never answered from cache
    assert ("env" in params) == (name != "release")


def test_build_is_cacheable_and_returns_the_artifact_file() -> None:
    fn = Pipeline.__dagger_module__.get_object("Pipeline").functions["build"]
    assert fn.cache_policy is None
    assert fn.return_type is dagger.File
    assert set(fn.parameters) == {"source"}


def test_the_module_imports_with_only_the_dagger_runtime() -> None:
    # The Dagger runtime installs ci/pyproject.toml (dagger-io, anyio) and nothing else: the
    # module must not pull in infra/app or their libraries; containers run those.
    script = """
import importlib.abc, sys
BLOCKED = {"boto3", "botocore", "yaml", "docker", "typer", "infra", "app", "jwt", "moto"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"the Dagger module imported {name}")
sys.meta_path.insert(0, Block())
import pipeline.main
"""
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root / "ci" / "src")}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_a_missing_secret_in_a_run_is_that_stages_error_not_a_crash(client: FakeClient) -> None:
    catalog = secret_catalog()
    (deploy,) = anyio.run(run_stages, client, catalog, ("deploy",), SOURCE)
    assert deploy.result.status.value == "error"
    assert "needs the secret(s) DEPLOY_TOKEN" in deploy.result.message
    assert deploy.container is None
    assert client.events == []


# --- functions made from the catalog ----------------------------------------------------------


def test_a_generated_function_runs_through_the_sdks_own_call_path(client: FakeClient) -> None:
    # What `Module.get_structured_result` does for `dagger call lint --strict`.
    obj = Pipeline.__dagger_module__.get_object("Pipeline")
    fn = obj.get_bound_function(Pipeline(), "lint")
    bound = fn.bind_arguments(source=SOURCE, strict=True)
    report = anyio.run(lambda: fn.wrapped(*bound.args, **bound.kwargs))
    assert "| lint | passed |" in report
    assert "strict: true" in report


def test_a_generated_kind_function_binds_its_arguments_by_name(client: FakeClient) -> None:
    obj = Pipeline.__dagger_module__.get_object("Pipeline")
    fn = obj.get_bound_function(Pipeline(), "history")
    bound = fn.bind_arguments(source=SOURCE, env="staging", target="local")
    out = anyio.run(lambda: fn.wrapped(*bound.args, **bound.kwargs))
    assert out.startswith("runner output of history-staging")


def test_a_new_stage_and_a_new_kind_get_their_functions_with_documented_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dagger.mod import Module

    from pipeline.catalog import KINDS, PARAM_EMULATOR, PARAM_TARGET, StageKind, Switch
    from pipeline.engines.dagger import functions

    perf = StageKind(
        name="perf",
        summary="load test {env} against its SLOs",
        params=(PARAM_TARGET, PARAM_EMULATOR),
        switches=(Switch("quick", "PIPELINE_QUICK", "a short run"),),
        read_only=True,
    )
    monkeypatch.setattr(functions, "KINDS", {**KINDS, "perf": perf})
    audit = Stage("audit", "audit the licences", "python", (Step("a", ("true",)),), ("**/*",))
    catalog = validate(
        replace(CATALOG, stages=MappingProxyType({**CATALOG.stages, "audit": audit}))
    )
    probe_module = Module(main_name="Probe")

    @probe_module.object_type
    @functions.with_catalog_functions(catalog, lambda: FakeClient())
    class Probe:
        """A module object made from a catalog with one more stage and one more kind."""

    made = probe_module.get_object("Probe").functions
    assert {"audit", "perf", "deploy", "lint"} <= set(made)
    assert made["audit"].doc == "audit the licences."
    perf_params = made["perf"].parameters
    assert list(perf_params) == [
        "source",
        "env",
        "target",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "quick",
    ]
    assert all(p.doc for p in perf_params.values())
    assert made["perf"].cache_policy == "never"


def test_a_kind_taking_a_parameter_no_argument_carries_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipeline.catalog import KINDS, PARAM_TARGET, CatalogError, StageKind
    from pipeline.engines.dagger import functions

    odd = StageKind("odd", "odd {env}", params=(PARAM_TARGET, "PIPELINE_MYSTERY"), read_only=True)
    monkeypatch.setattr(functions, "KINDS", {**KINDS, "odd": odd})
    with pytest.raises(CatalogError, match="PIPELINE_MYSTERY, which no Dagger argument carries"):
        functions.catalog_functions(CATALOG, lambda: FakeClient())


def test_a_stage_declaring_a_service_gets_it_bound_under_its_name() -> None:
    stage = CATALOG.stage("integration")
    (service,) = CATALOG.services_of(stage)
    ctr = compile_stage(FakeClient(), CATALOG, stage, SOURCE)

    (binding,) = calls_named(ctr, "with_service_binding")
    alias, bound = binding.args
    assert alias == service.name
    assert bound.args[0].endswith("/bin/python")
    every = "0.0.0.0"  # noqa: S104 - the service container's own interfaces
    assert list(bound.args[1:]) == ["-m", "moto.server", "-H", every, "-p", str(service.port)]
    assert ("with_exposed_port", (service.port,)) in [
        (c.method, c.args) for c in bound.container.calls
    ]
    url = env_of(ctr)[service.url_env][0]
    assert url == f"http://{service.name}:{service.port}"
    assert index_of(ctr, "with_service_binding", service.name) < len(ctr.calls) - 1  # before exec


def test_the_generated_scan_function_takes_the_github_token_as_an_optional_secret() -> None:
    fn = Pipeline.__dagger_module__.get_object("Pipeline").functions["scan"]
    assert fn.parameters["github_token"].resolved_type == dagger.Secret | None
    assert fn.parameters["github_token"].default_value == "null"
    assert (
        "github_token"
        not in Pipeline.__dagger_module__.get_object("Pipeline").functions["lint"].parameters
    )
