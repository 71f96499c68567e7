"""The release stages as declared in the catalog: the names the Dagger module and cd.yml use."""

from __future__ import annotations

import pytest

from pipeline.catalog import (
    AWS_SECRETS,
    CATALOG,
    RELEASE_STAGES,
    Network,
    app_url_param,
    stage_from_dict,
    stage_to_dict,
)


def test_release_stages_run_in_promotion_order() -> None:
    assert RELEASE_STAGES == ("build", "deploy-dev", "smoke-dev", "deploy-staging", "smoke-staging")
    assert CATALOG.closure(["smoke-staging"]) == RELEASE_STAGES


@pytest.mark.parametrize(
    ("name", "needs"),
    [
        ("build", ()),
        ("deploy-dev", ("build",)),
        ("smoke-dev", ("deploy-dev",)),
        ("deploy-staging", ("build", "smoke-dev")),
        ("smoke-staging", ("deploy-staging",)),
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


@pytest.mark.parametrize("name", RELEASE_STAGES)
def test_release_stages_survive_the_json_round_trip(name: str) -> None:
    stage = CATALOG.stage(name)
    assert stage_from_dict(stage_to_dict(stage)) == stage


@pytest.mark.parametrize(
    ("env", "param"), [("dev", "PIPELINE_APP_URL_DEV"), ("staging", "PIPELINE_APP_URL_STAGING")]
)
def test_app_url_param(env: str, param: str) -> None:
    assert app_url_param(env) == param
