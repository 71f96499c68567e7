"""Pure decisions of the Dagger release functions: arguments, credentials, stage selection,
local wiring, digests."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from pipeline.catalog import (
    CATALOG,
    DEPLOY,
    HISTORY,
    SMOKE,
    STATUS,
    CatalogError,
    Stage,
    StageKind,
    Step,
)
from pipeline.engines.dagger import plan
from pipeline.engines.dagger import release_plan as rp
from pipeline.engines.dagger.release_plan import ReleaseUsageError


def stage(name: str) -> Stage:
    return Stage(name, name, "python", (Step("s", ("true",)),), ())


@pytest.mark.parametrize("value", ["local", "aws"])
def test_parse_target(value: str) -> None:
    assert rp.parse_target(value) == value


@pytest.mark.parametrize("value", ["", "auto", "AWS", "Local", "gcp"])
def test_parse_target_refuses_anything_else(value: str) -> None:
    with pytest.raises(ReleaseUsageError, match="use one of local, aws"):
        rp.parse_target(value)


@pytest.mark.parametrize(
    ("commit", "ok"),
    [
        ("abcdef", False),  # 6: one short
        ("abcdef0", True),  # 7: shortest
        ("a" * 40, True),  # 40: a full sha
        ("a" * 41, False),  # 41: one long
        ("ABCDEF0", False),  # uppercase
        ("unknown", True),
        ("HEAD", False),
        ("abc def0", False),
    ],
)
def test_check_commit(commit: str, ok: bool) -> None:
    if ok:
        assert rp.check_commit(commit) == commit
    else:
        with pytest.raises(ReleaseUsageError, match="7-40 character"):
            rp.check_commit(commit)


@pytest.mark.parametrize(
    ("kind", "env", "target", "expected"),
    [
        # AWS: the stage with what it needs re-made (the artifact), nothing with effects
        (DEPLOY, "dev", "aws", {"build": (), "deploy-dev": ("build",)}),
        (DEPLOY, "staging", "aws", {"build": (), "deploy-staging": ("build",)}),
        (SMOKE, "staging", "aws", {"smoke-staging": ()}),
        (STATUS, "prod", "aws", {"status-prod": ()}),
        # local: the emulator lives only for the call, so what the env needs in it too
        (DEPLOY, "staging", "local", {"build": (), "deploy-staging": ("build",)}),
        (
            SMOKE,
            "staging",
            "local",
            {
                "build": (),
                "deploy-staging": ("build",),
                "smoke-staging": ("build", "deploy-staging"),
            },
        ),
        (HISTORY, "dev", "local", {"history-dev": ()}),
    ],
)
def test_selection(
    kind: StageKind, env: str, target: str, expected: dict[str, tuple[str, ...]]
) -> None:
    selected = rp.selection(CATALOG, kind, env, target)
    assert {s.name: s.needs for s in selected.stages.values()} == expected


@pytest.mark.parametrize(("env", "ok"), [("dev", True), ("staging", True), ("prod", False)])
def test_deploy_and_smoke_run_where_the_catalog_declares_them(env: str, ok: bool) -> None:
    for kind in (DEPLOY, SMOKE):
        if ok:
            assert kind.stage_name(env) in rp.selection(CATALOG, kind, env, "aws").stages
        else:
            with pytest.raises(CatalogError, match=f"{kind.name} runs in dev, staging"):
                rp.selection(CATALOG, kind, env, "aws")


# pragma: allowlist nextline secret
KEY, SECRET, TOKEN = "key-handle", "secret-handle", "token-handle"


@pytest.mark.parametrize(
    ("target", "provided", "expected"),
    [
        ("local", {}, {}),
        ("local", {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET}, {}),
        (
            "aws",
            {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": None},
            {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET},
        ),
        (
            "aws",
            {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN},
            {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN},
        ),
    ],
)
def test_credentials_for(
    target: str, provided: dict[str, str | None], expected: dict[str, str]
) -> None:
    assert rp.credentials_for(target, provided) == expected


@pytest.mark.parametrize(
    "provided",
    [
        {},
        {"AWS_ACCESS_KEY_ID": KEY},
        {"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN},
        {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": SECRET},
    ],
)
def test_aws_needs_the_key_pair(provided: dict[str, str | None]) -> None:
    with pytest.raises(ReleaseUsageError, match="or use --target local"):
        rp.credentials_for("aws", provided)


def test_run_params_carry_the_local_endpoints_only_on_the_local_target() -> None:
    local = rp.run_params("local", "abcdef0", "me")
    assert local["AWS_ENDPOINT_URL"] == "http://emulator:5000"
    assert local["PIPELINE_APP_URL_DEV"] == local["PIPELINE_APP_URL_STAGING"] == "http://app:8000"
    aws = rp.run_params("aws", "abcdef0", "me", {"PIPELINE_DRY_RUN": True, "OFF": False})
    assert aws == {
        "PIPELINE_TARGET": "aws",
        "PIPELINE_COMMIT": "abcdef0",
        "PIPELINE_ACTOR": "me",
        "PIPELINE_DRY_RUN": "1",
    }


def test_upstream_outputs_are_transitive() -> None:
    # c needs b needs a; only a writes something: c still gets it (deploy staging after smoke
    # dev still needs the artifact build wrote)
    a = replace(stage("a"), outputs=("build/artifacts",))
    b = replace(stage("b"), needs=("a",))
    c = replace(stage("c"), needs=("b",))
    d = stage("d")
    catalog = replace(CATALOG, stages=MappingProxyType({s.name: s for s in (a, b, c, d)}))
    upstream = plan.upstream_of([a, b, c, d])
    assert upstream == {"a": (), "b": ("a",), "c": ("a", "b"), "d": ()}
    assert plan.needed_outputs(catalog, c, upstream["c"]) == (("a", "build/artifacts"),)
    assert plan.needed_outputs(catalog, c) == ()  # by default only direct needs
    assert plan.needed_outputs(catalog, b) == (("a", "build/artifacts"),)


def test_every_release_stage_after_build_gets_the_artifact() -> None:
    stages = [CATALOG.stage(name) for name in CATALOG.closure(rp.release_selection(CATALOG))]
    upstream = plan.upstream_of(stages)
    for s in stages[1:]:
        assert ("build", "build/artifacts") in plan.needed_outputs(CATALOG, s, upstream[s.name])


def test_release_selection_refuses_a_catalog_without_the_release_stages() -> None:
    ci_only = replace(
        CATALOG,
        stages=MappingProxyType({k: v for k, v in CATALOG.stages.items() if "-" not in k}),
    )
    with pytest.raises(CatalogError, match="deploy-dev, smoke-dev, e2e-dev, deploy-staging"):
        rp.release_selection(ci_only)


@pytest.mark.parametrize(
    ("name", "emulator", "app"),
    [
        ("build", False, False),
        ("lint", False, False),
        ("deploy-dev", True, False),
        ("deploy-staging", True, False),
        ("smoke-dev", True, True),
        ("smoke-staging", True, True),
        ("status-dev", True, False),
        ("history-staging", True, False),
        ("history-prod", True, False),
    ],
)
def test_local_wiring(name: str, emulator: bool, app: bool) -> None:
    assert rp.local_wiring(stage(name)) == rp.LocalWiring(emulator, app)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("a" * 64 + "  lambda.zip\n", True),
        ("a" * 64, True),
        ("a" * 63 + "  lambda.zip", False),
        ("a" * 65, False),
        ("A" * 64, False),
        ("", False),
    ],
)
def test_parse_digest(text: str, ok: bool) -> None:
    if ok:
        assert rp.parse_digest(text) == "a" * 64
    else:
        with pytest.raises(ReleaseUsageError, match="not a sha256 digest"):
            rp.parse_digest(text)


def test_the_auth_step_mints_for_the_suite_stages_among_the_running_ones() -> None:
    running = ("build", "deploy-dev", "smoke-dev", "e2e-dev", "perf-staging")
    assert rp.suite_stages(CATALOG, running) == ("e2e-dev", "perf-staging")
    assert rp.auth_argv(("e2e-dev", "perf-staging"))[-6:] == (
        "--out", "/auth", "--suite-stage", "e2e-dev", "--suite-stage", "perf-staging",
    )  # fmt: skip
    assert rp.token_file("SMOKE_TOKEN") == "token"
    assert rp.token_file("E2E_FOREIGN_TOKEN") == "E2E_FOREIGN_TOKEN"


def test_service_commands() -> None:
    every_interface = "0.0.0.0"  # noqa: S104 - inside the service container
    assert rp.emulator_argv() == ("/opt/venv/bin/moto_server", "-H", every_interface, "-p", "5000")
    assert rp.auth_argv()[-2:] == ("--out", "/auth")
    assert rp.unpack_bundle_argv()[-2:] == ("/artifact/lambda.zip", "/var/task")
    with pytest.raises(ReleaseUsageError):
        rp.app_argv("dev", "HEAD")
