"""The stage catalog: every pipeline stage declared once, as data.

All three engines (dagger, docker, host) read this package and nothing else to learn what a
stage is: `model` (what a stage is), `toolchains` (images, caches, excludes), `ci` (the CI
stages), `release` (build and the per-environment stage kinds). Standard library only, so it
imports inside any toolchain container and inside the Dagger module runtime.
"""

from __future__ import annotations

from types import MappingProxyType

from pipeline.catalog.ci import CI, CI_STAGES, SYNTH_DIR
from pipeline.catalog.model import (
    DEGRADED_EXIT,
    REPORTS_DIR,
    Cache,
    Catalog,
    CatalogError,
    Network,
    Stage,
    Step,
    Toolchain,
    frozen_env,
    python_cmd,
    stage_from_dict,
    stage_to_dict,
    validate,
)
from pipeline.catalog.release import (
    ARTIFACTS_DIR,
    AWS_SECRETS,
    BUILD_STAGE,
    DEPLOY,
    DRY_RUN,
    HISTORY,
    KINDS,
    PARAM_ACTOR,
    PARAM_COMMIT,
    PARAM_DRY_RUN,
    PARAM_EMULATOR,
    PARAM_TARGET,
    RELEASE,
    RELEASE_ENVS,
    RELEASE_STAGES,
    SMOKE,
    SMOKE_TOKEN_SECRET,
    STATUS,
    TARGET_AWS,
    TARGET_LOCAL,
    StageKind,
    Switch,
    alone,
    app_url_param,
    kind_of,
    kind_stage,
)
from pipeline.catalog.toolchains import (
    CACHES,
    EXCLUDES,
    PROJECT_FILES,
    PY_SOURCES,
    PYTHON_TOOLCHAIN,
    SECURITY_TOOLCHAIN,
    TOOLCHAINS,
    UV_VERSION,
)

CATALOG = validate(
    Catalog(
        toolchains=MappingProxyType({t.name: t for t in TOOLCHAINS}),
        caches=MappingProxyType({c.name: c for c in CACHES}),
        stages=MappingProxyType({s.name: s for s in (*CI, *RELEASE)}),
    )
)

__all__ = [
    "ARTIFACTS_DIR",
    "AWS_SECRETS",
    "BUILD_STAGE",
    "CACHES",
    "CATALOG",
    "CI_STAGES",
    "DEGRADED_EXIT",
    "DEPLOY",
    "DRY_RUN",
    "EXCLUDES",
    "HISTORY",
    "KINDS",
    "PARAM_ACTOR",
    "PARAM_COMMIT",
    "PARAM_DRY_RUN",
    "PARAM_EMULATOR",
    "PARAM_TARGET",
    "PROJECT_FILES",
    "PYTHON_TOOLCHAIN",
    "PY_SOURCES",
    "RELEASE_ENVS",
    "RELEASE_STAGES",
    "REPORTS_DIR",
    "SECURITY_TOOLCHAIN",
    "SMOKE",
    "SMOKE_TOKEN_SECRET",
    "STATUS",
    "SYNTH_DIR",
    "TARGET_AWS",
    "TARGET_LOCAL",
    "UV_VERSION",
    "Cache",
    "Catalog",
    "CatalogError",
    "Network",
    "Stage",
    "StageKind",
    "Step",
    "Switch",
    "Toolchain",
    "alone",
    "app_url_param",
    "frozen_env",
    "kind_of",
    "kind_stage",
    "python_cmd",
    "stage_from_dict",
    "stage_to_dict",
    "validate",
]
