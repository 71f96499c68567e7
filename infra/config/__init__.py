"""Typed, validated environment configuration (dev, staging, prod) loaded from YAML."""

from infra.config.loader import (
    ENVIRONMENTS_DIR,
    ConfigError,
    ConfigProblem,
    environment_file,
    load_all,
    load_environment,
)
from infra.config.model import ENVIRONMENT_NAMES, AlarmThresholds, EnvironmentConfig
from infra.config.names import LIVE_ALIAS, ResourceNames
from infra.config.rollout import (
    AnalysisStep,
    AnalysisTemplate,
    MetricName,
    PauseStep,
    RolloutConfig,
    RolloutStep,
    SetWeightStep,
)
from infra.config.runtime import LAMBDA_PYTHON, LAMBDA_RUNTIME

__all__ = [
    "ENVIRONMENTS_DIR",
    "ENVIRONMENT_NAMES",
    "LAMBDA_PYTHON",
    "LAMBDA_RUNTIME",
    "LIVE_ALIAS",
    "AlarmThresholds",
    "AnalysisStep",
    "AnalysisTemplate",
    "ConfigError",
    "ConfigProblem",
    "EnvironmentConfig",
    "MetricName",
    "PauseStep",
    "ResourceNames",
    "RolloutConfig",
    "RolloutStep",
    "SetWeightStep",
    "environment_file",
    "load_all",
    "load_environment",
]
