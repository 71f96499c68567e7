"""The stage container as data: environment, mounts, secrets, and the command it runs."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from pipeline.catalog import CATALOG, Cache, Catalog, Stage, Step
from pipeline.engines.base import RUNNER_PYTHONPATH, StageContext
from pipeline.engines.docker.ca_bundle import CONTAINER_BUNDLE, CaBundle
from pipeline.engines.docker.container_spec import container_spec, needed_exports

ROOT = Path(__file__).resolve().parents[4]
BUNDLE = CaBundle(Path("/host/ca.crt"), b"pem")
DEPLOY = Stage(
    name="deploy",
    description="d",
    toolchain="python",
    steps=(Step("go", ("deploy",)),),
    inputs=(),
    env=MappingProxyType({"STAGE_VAR": "1"}),
    secrets=("API_TOKEN",),
    caches=("ruff",),
    needs=("synth", "lint"),
)


def context(stage: Stage, secrets: dict[str, str] | None = None) -> StageContext:
    stages = {**CATALOG.stages, stage.name: stage}
    catalog = Catalog(CATALOG.toolchains, CATALOG.caches, MappingProxyType(stages))
    return StageContext(Path("/repo"), catalog, "pipeline-python:abc", secrets or {})


def test_spec_sets_paths_caches_ca_and_stage_env() -> None:
    spec = container_spec(DEPLOY, context(DEPLOY), BUNDLE, run_id="r1")
    assert spec.name == "pipeline-deploy-r1"
    assert spec.image == "pipeline-python:abc"
    assert spec.working_dir == "/src"
    assert spec.env["PYTHONPATH"] == RUNNER_PYTHONPATH
    assert spec.env["PATH"].startswith("/opt/venv/bin:")
    assert spec.env["RUFF_CACHE_DIR"] == "/cache/ruff"
    assert spec.env["SSL_CERT_FILE"] == CONTAINER_BUNDLE
    assert spec.env["STAGE_VAR"] == "1"
    assert spec.binds == (
        "pipeline-cache-ruff:/cache/ruff:rw",
        f"/host/ca.crt:{CONTAINER_BUNDLE}:ro",
    )


def test_a_remote_daemon_gets_the_ca_env_but_no_host_file_mount() -> None:
    spec = container_spec(DEPLOY, context(DEPLOY), BUNDLE, mount_ca=False)
    assert spec.env["SSL_CERT_FILE"] == CONTAINER_BUNDLE, "the image holds the same bundle"
    assert spec.binds == ("pipeline-cache-ruff:/cache/ruff:rw",)


def test_spec_without_a_ca_bundle_mounts_and_sets_nothing_for_tls() -> None:
    spec = container_spec(DEPLOY, context(DEPLOY), None)
    assert "SSL_CERT_FILE" not in spec.env
    assert spec.binds == ("pipeline-cache-ruff:/cache/ruff:rw",)
    assert spec.name.startswith("pipeline-deploy-")


def test_only_declared_secrets_go_to_stdin_never_into_the_environment() -> None:
    # pragma: allowlist nextline secret
    secrets = {"API_TOKEN": "s3cr3t-value", "OTHER": "not-for-this-stage"}
    spec = container_spec(DEPLOY, context(DEPLOY, secrets), BUNDLE)
    # pragma: allowlist nextline secret
    assert spec.secrets == {"API_TOKEN": "s3cr3t-value"}
    assert "API_TOKEN" not in spec.env and "OTHER" not in spec.env
    assert "s3cr3t-value" not in str(dict(spec.env))
    # pragma: allowlist nextline secret
    assert spec.env["PIPELINE_SECRETS_FROM"] == "stdin", "the runner reads them from stdin"
    assert spec.masker("s3cr3t-value!") == "***!"
    assert "s3cr3t-value" not in spec.describe()
    assert "s3cr3t-value" not in repr(spec)


def test_a_stage_without_secrets_reads_no_stdin() -> None:
    spec = container_spec(DEPLOY, context(DEPLOY, {"OTHER": "x"}), BUNDLE)
    assert spec.secrets == {}
    assert "PIPELINE_SECRETS_FROM" not in spec.env


def test_needed_exports_lists_each_path_once_in_need_order() -> None:
    ctx = context(DEPLOY)
    assert needed_exports(DEPLOY, ctx) == (
        "build/reports/synth",
        "build/synth",
        "build/reports/lint",
    )


def test_cache_volumes_are_named_after_the_cache() -> None:
    stage = Stage("s", "d", "python", (Step("x", ("x",)),), (), caches=("mypy",))
    catalog = Catalog(
        CATALOG.toolchains,
        MappingProxyType({"mypy": Cache("mypy", "/cache/mypy", "MYPY_CACHE_DIR")}),
        MappingProxyType({"s": stage}),
    )
    spec = container_spec(stage, StageContext(Path("/r"), catalog, "img"), None)
    assert spec.binds == ("pipeline-cache-mypy:/cache/mypy:rw",)


def test_only_stages_that_declare_network_get_one() -> None:
    scan, lint = CATALOG.stages["scan"], CATALOG.stages["lint"]
    assert container_spec(scan, context(scan), None).network_mode == "bridge"
    assert container_spec(lint, context(lint), None).network_mode == "none"


def test_a_stage_with_services_joins_their_network_and_learns_where_they_are() -> None:
    integration = CATALOG.stages["integration"]
    spec = container_spec(
        integration,
        context(integration),
        None,
        service_network="pipeline-integration-r1",
        service_env={"PIPELINE_EMULATOR_URL": "http://emulator:5000"},
    )
    assert spec.network_mode == "pipeline-integration-r1"
    assert spec.env["PIPELINE_EMULATOR_URL"] == "http://emulator:5000"
    assert spec.env["CI"] == "true", "a missing test dependency fails the stage, never skips"


def test_host_network_and_params_reach_the_container() -> None:
    from dataclasses import replace

    from pipeline.catalog import Network

    lint = replace(CATALOG.stages["lint"], network=Network.HOST, params=("PIPELINE_TARGET",))
    ctx = replace(context(lint), params={"PIPELINE_TARGET": "local"})
    spec = container_spec(lint, ctx, None)
    assert spec.network_mode == "host"
    assert spec.env["PIPELINE_TARGET"] == "local"
