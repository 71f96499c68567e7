from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from pipeline.catalog import (
    CATALOG,
    CI_STAGES,
    Catalog,
    CatalogError,
    Network,
    Service,
    Stage,
    Step,
    stage_from_dict,
    stage_to_dict,
    validate,
)


def catalog_with(*stages: Stage) -> Catalog:
    return Catalog(
        toolchains=CATALOG.toolchains,
        caches=CATALOG.caches,
        stages=MappingProxyType({s.name: s for s in stages}),
        services=CATALOG.services,
    )


def stage(name: str, *needs: str, toolchain: str = "python") -> Stage:
    return Stage(
        name=name,
        description=name,
        toolchain=toolchain,
        steps=(Step("s", ("true",)),),
        inputs=("**/*",),
        needs=needs,
    )


def test_real_catalog_is_valid_and_ci_stages_exist() -> None:
    assert validate(CATALOG) is CATALOG
    assert set(CI_STAGES) <= set(CATALOG.stages)


def test_scan_needs_synth_so_it_sees_the_templates() -> None:
    assert "synth" in CATALOG.stages["scan"].needs


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ((stage("a", "b"), stage("b", "a")), "cycle: a -> b -> a"),
        ((stage("a", "a"),), "cycle: a -> a"),
        ((stage("a", "c"), stage("b")), "needs unknown stage 'c'"),
        ((stage("a", toolchain="rust"),), "unknown toolchain 'rust'"),
        ((replace(stage("a"), steps=()),), "has no steps"),
        ((replace(stage("a"), caches=("nope",)),), "unknown cache 'nope'"),
        ((replace(stage("a"), services=("db",)),), "uses unknown service 'db'"),
        (
            (replace(stage("a"), services=("emulator",), network=Network.HOST),),
            "declares services and the host network",
        ),
        ((replace(stage("a"), result_ttl_s=0),), "result_ttl_s=0: use a positive number"),
    ],
)
def test_invalid_catalogs_are_refused_naming_the_stage(
    stages: tuple[Stage, ...], message: str
) -> None:
    with pytest.raises(CatalogError, match=message):
        validate(catalog_with(*stages))


def test_closure_adds_needs_in_catalog_order() -> None:
    cat = validate(catalog_with(stage("a"), stage("b", "a"), stage("c", "b"), stage("d")))
    assert cat.closure(["c"]) == ("a", "b", "c")
    assert cat.closure(["d", "a"]) == ("a", "d")


def test_unknown_stage_lists_the_choices() -> None:
    with pytest.raises(CatalogError, match="unknown stage 'nope': choose one of lint"):
        CATALOG.stage("nope")


def test_exports_always_include_the_report_dir() -> None:
    synth = CATALOG.stages["synth"]
    assert synth.exports == ("build/reports/synth", "build/synth")


def test_bootstrap_script_pins_the_catalogs_uv() -> None:
    from pathlib import Path

    from pipeline.catalog import UV_VERSION

    script = (Path(__file__).resolve().parents[4] / "ci/bootstrap.sh").read_text()
    assert f'PIPELINE_UV_VERSION="{UV_VERSION}"' in script


def test_the_toolchain_python_is_the_lambda_python() -> None:
    """The catalog cannot import infra (it loads inside the Dagger runtime): this keeps the two
    declarations of the one Python version equal."""
    from infra.artifact.runtime import LAMBDA_PYTHON
    from pipeline.catalog import PYTHON_TOOLCHAIN

    assert PYTHON_TOOLCHAIN.python == LAMBDA_PYTHON


def test_a_service_of_an_unknown_toolchain_is_refused() -> None:
    ghost = Service("db", "d", "rust", ("db",), 1, "DB_URL")
    catalog = replace(
        catalog_with(replace(stage("a"), services=("db",))),
        services=MappingProxyType({"db": ghost}),
    )
    with pytest.raises(CatalogError, match="service 'db' uses unknown toolchain 'rust'"):
        validate(catalog)


def test_a_service_command_says_where_to_listen() -> None:
    emulator = CATALOG.services["emulator"]
    assert emulator.command("127.0.0.1", 4567)[-4:] == ("-H", "127.0.0.1", "-p", "4567")


def test_a_stage_travels_as_json_with_its_ttl_and_notes() -> None:
    for name in ("scan", "integration", "lint"):
        original = CATALOG.stages[name]
        assert stage_from_dict(stage_to_dict(original)) == original
