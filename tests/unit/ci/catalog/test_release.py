"""The release stages as declared in the catalog: the names the Dagger module and cd.yml use,
the stage kinds, and which environments each runs in."""

from __future__ import annotations

import pytest

from pipeline.catalog import (
    AWS_SECRETS,
    BACKUP,
    CATALOG,
    DEGRADED_EXIT,
    DEPLOY,
    DRILL,
    E2E,
    E2E_SECRETS,
    HISTORY,
    PERF,
    PERF_TOKEN_SECRET,
    RELEASE_STAGES,
    RESTORE_OBJECT,
    SMOKE,
    STATUS,
    SUITE_SECRETS,
    CatalogError,
    Network,
    StageKind,
    alone,
    app_url_param,
    kind_of,
    kind_stage,
    stage_from_dict,
    stage_to_dict,
)


def test_release_stages_run_in_promotion_order() -> None:
    assert RELEASE_STAGES == (
        "build",
        "deploy-dev",
        "smoke-dev",
        "e2e-dev",
        "deploy-staging",
        "smoke-staging",
        "e2e-staging",
        "perf-staging",
    )
    assert CATALOG.closure(["perf-staging"]) == RELEASE_STAGES


@pytest.mark.parametrize(
    ("name", "needs"),
    [
        ("build", ()),
        ("deploy-dev", ("build",)),
        ("smoke-dev", ("deploy-dev",)),
        ("e2e-dev", ("deploy-dev",)),  # next to smoke-dev: both only need the deploy
        ("deploy-staging", ("build", "smoke-dev", "e2e-dev")),
        ("smoke-staging", ("deploy-staging",)),
        ("e2e-staging", ("smoke-staging",)),
        ("perf-staging", ("e2e-staging",)),  # alone on the app: nothing else loads it
        ("perf-dev", ("smoke-dev",)),  # on demand, outside the chain
        ("perf-prod", ()),
    ],
)
def test_needs(name: str, needs: tuple[str, ...]) -> None:
    assert CATALOG.stage(name).needs == needs


def test_build_is_a_cacheable_networked_artifact_stage() -> None:
    build = CATALOG.stage("build")
    assert build.cacheable
    assert build.network is Network.DEFAULT
    assert build.outputs == ("build/artifacts",)
    assert build.steps[0].argv == (
        "python",
        "-m",
        "infra.artifact",
        "build",
        "--out",
        "build/artifacts",
    )


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_deploy_and_smoke_have_effects_so_never_cache(env: str) -> None:
    deploy, smoke = CATALOG.stage(f"deploy-{env}"), CATALOG.stage(f"smoke-{env}")
    for stage in (deploy, smoke):
        assert not stage.cacheable
        assert stage.network is Network.HOST
        assert set(AWS_SECRETS) <= set(stage.secrets)
        assert "PIPELINE_TARGET" in stage.params
        assert stage.steps[0].argv[-2:] == ("--env", env)
    assert {"PIPELINE_COMMIT", "PIPELINE_ACTOR", "AWS_ENDPOINT_URL"} <= set(deploy.params)
    assert app_url_param(env) in smoke.params
    assert "SMOKE_TOKEN" in smoke.secrets
    assert "tests/smoke/**/*" in smoke.inputs


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_e2e_runs_the_suite_with_its_tokens_as_secrets(env: str) -> None:
    stage = CATALOG.stage(f"e2e-{env}")
    assert not stage.cacheable
    assert stage.network is Network.HOST
    assert set(E2E_SECRETS) <= set(stage.secrets)
    assert app_url_param(env) in stage.params
    assert "tests/e2e/**/*" in stage.inputs
    assert stage.steps[0].argv[-3:] == ("e2e", "--env", env)


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_perf_is_degraded_when_inconclusive_and_exports_its_report(env: str) -> None:
    stage = CATALOG.stage(f"perf-{env}")
    (step,) = stage.steps
    assert step.degraded_exit == DEGRADED_EXIT == 3
    assert stage.outputs == (f"build/reports/perf/{env}",)
    assert PERF_TOKEN_SECRET in stage.secrets
    assert {"PIPELINE_TARGET", "PIPELINE_COMMIT", app_url_param(env)} <= set(stage.params)
    assert "tests/perf/**/*" in stage.inputs
    assert PERF.step_summary and not SMOKE.step_summary


def test_the_suites_token_secrets_are_named_once() -> None:
    assert ("SMOKE_TOKEN", "PERF_TOKEN", *E2E_SECRETS) == SUITE_SECRETS
    assert E2E_SECRETS == ("E2E_TOKEN", "E2E_EXPIRED_TOKEN", "E2E_FOREIGN_TOKEN")


@pytest.mark.parametrize("name", RELEASE_STAGES)
def test_release_stages_survive_the_json_round_trip(name: str) -> None:
    stage = CATALOG.stage(name)
    assert stage_from_dict(stage_to_dict(stage)) == stage


@pytest.mark.parametrize(
    ("env", "param"), [("dev", "PIPELINE_APP_URL_DEV"), ("staging", "PIPELINE_APP_URL_STAGING")]
)
def test_app_url_param(env: str, param: str) -> None:
    assert app_url_param(env) == param


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("deploy-dev", {"build": (), "deploy-dev": ("build",)}),
        # its artifact is re-made (or answered from the cache), what dev did is not redone
        ("deploy-staging", {"build": (), "deploy-staging": ("build",)}),
        ("smoke-staging", {"smoke-staging": ()}),
        ("perf-staging", {"perf-staging": ()}),  # perf against what staging already serves
        ("build", {"build": ()}),
        ("scan", {"synth": (), "scan": ("synth",)}),
    ],
)
def test_a_stage_run_alone_brings_only_the_cacheable_stages_it_needs(
    name: str, expected: dict[str, tuple[str, ...]]
) -> None:
    assert {s.name: s.needs for s in alone(CATALOG, name).stages.values()} == expected


@pytest.mark.parametrize(
    ("kind", "env", "ok"),
    [
        (DEPLOY, "dev", True),
        (DEPLOY, "staging", True),
        (DEPLOY, "prod", False),  # prod is reached by promotion
        (SMOKE, "prod", False),
        (E2E, "prod", False),  # the E2E suite writes its own data: never against prod
        (PERF, "dev", True),  # on demand
        (PERF, "prod", True),  # declared; its config refuses it unless allow_prod
        (STATUS, "prod", True),  # read-only: any env; the config loader judges the name
        (HISTORY, "qa", True),
    ],
)
def test_the_one_rule_for_which_environments_a_kind_runs_in(
    kind: StageKind, env: str, ok: bool
) -> None:
    if ok:
        stage = kind_stage(CATALOG, kind, env)
        assert stage.name == f"{kind.name}-{env}"
        assert kind_of(stage) == (kind, env)
        assert stage.steps[0].argv == (
            "python", "-m", "pipeline.release.entries", kind.name, "--env", env,
        )  # fmt: skip
    else:
        with pytest.raises(CatalogError, match=f"{kind.name} runs in (dev, )?staging"):
            kind_stage(CATALOG, kind, env)


def test_switches_become_run_parameters_of_their_kind_only() -> None:
    assert "PIPELINE_DRY_RUN" in CATALOG.stage("deploy-dev").params
    assert "PIPELINE_DRY_RUN" not in CATALOG.stage("smoke-dev").params


@pytest.mark.parametrize(("name", "found"), [("lint", None), ("build", None), ("smoke-dev", True)])
def test_kind_of(name: str, found: bool | None) -> None:
    assert (kind_of(CATALOG.stage(name)) is not None) is bool(found)


@pytest.mark.parametrize(
    ("kind", "env", "needs"),
    [
        (BACKUP, "prod", ()),  # prod has no deploy stage: it acts on what promotion deployed
        (BACKUP, "dev", ("deploy-dev",)),  # dropped by `alone` unless the target is fresh
        (DRILL, "staging", ("deploy-staging",)),
        (RESTORE_OBJECT, "prod", ()),
    ],
)
def test_on_demand_kinds_run_in_any_environment_after_its_deploy_if_any(
    kind: StageKind, env: str, needs: tuple[str, ...]
) -> None:
    stage = kind_stage(CATALOG, kind, env)
    assert (stage.name, stage.needs) == (f"{kind.name}-{env}", needs)
    assert kind_of(stage) == (kind, env)  # `restore-object-prod`: the kind keeps its hyphen
    assert stage.name not in CATALOG.stages  # made on demand, never part of the release chain
