"""Typed, validated environment configuration (dev, staging, prod) loaded from YAML."""

from infra.config.loader import (
    ENVIRONMENTS_DIR,
    ConfigError,
    ConfigProblem,
    environment_file,
    load_all,
    load_environment,
)
from infra.config.model import (
    ENVIRONMENT_NAMES,
    AlarmThresholds,
    AnalysisStep,
    EnvironmentConfig,
    PauseStep,
    RolloutStep,
    SetWeightStep,
)
from infra.config.names import LIVE_ALIAS, ResourceNames
from infra.config.runtime import LAMBDA_PYTHON, LAMBDA_RUNTIME

__all__ = [
    "ENVIRONMENTS_DIR",
    "ENVIRONMENT_NAMES",
    "LAMBDA_PYTHON",
    "LAMBDA_RUNTIME",
    "LIVE_ALIAS",
    "AlarmThresholds",
    "AnalysisStep",
    "ConfigError",
    "ConfigProblem",
    "EnvironmentConfig",
    "PauseStep",
    "ResourceNames",
    "RolloutStep",
    "SetWeightStep",
    "environment_file",
    "load_all",
    "load_environment",
]
