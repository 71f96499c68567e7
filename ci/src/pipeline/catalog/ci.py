"""The CI stages: lint, typecheck, test, synth and scan (what `pipeline ci` runs)."""

from __future__ import annotations

from pipeline.catalog.model import (
    DEGRADED_EXIT,
    REPORTS_DIR,
    Network,
    Stage,
    Step,
    frozen_env,
    python_cmd,
)
from pipeline.catalog.toolchains import PROJECT_FILES, PY_SOURCES

SYNTH_DIR = "build/synth"

CI: tuple[Stage, ...] = (
    Stage(
        name="lint",
        description="ruff check and ruff format --check over the whole repository",
        toolchain="python",
        steps=(
            Step("ruff-check", ("ruff", "check", "--output-format=full", ".")),
            Step("ruff-format", ("ruff", "format", "--check", "--diff", ".")),
        ),
        inputs=("**/*.py", "pyproject.toml"),
        caches=("ruff",),
    ),
    Stage(
        name="typecheck",
        description="mypy --strict over app, infra and ci",
        toolchain="python",
        steps=(Step("mypy", ("mypy", "--strict", "app", "infra", "ci/src")),),
        inputs=(*PY_SOURCES, *PROJECT_FILES),
        caches=("mypy",),
    ),
    Stage(
        name="test",
        description="unit tests with coverage (gate 85%), JUnit XML report",
        toolchain="python",
        steps=(
            Step(
                "pytest",
                python_cmd(
                    "pytest",
                    "tests/unit",
                    "-p",
                    "no:cacheprovider",
                    "--cov",
                    "--cov-report=term",
                    f"--cov-report=xml:{REPORTS_DIR}/test/coverage.xml",
                    "--cov-fail-under=85",
                    f"--junitxml={REPORTS_DIR}/test/junit.xml",
                ),
            ),
        ),
        inputs=(*PY_SOURCES, "tests/**/*", *PROJECT_FILES),
        env=frozen_env({"COVERAGE_FILE": "/tmp/.coverage"}),  # noqa: S108 - scratch  # nosec B108
    ),
    Stage(
        name="synth",
        description="CloudFormation templates for dev, staging and prod, validated by cfn-lint",
        toolchain="python",
        steps=(
            Step("synth", python_cmd("infra", "synth", "--all", "--out", SYNTH_DIR)),
            Step("cfn-lint", python_cmd("infra", "lint-templates", SYNTH_DIR)),
        ),
        inputs=("infra/**/*", *PROJECT_FILES),
        outputs=(SYNTH_DIR,),
    ),
    Stage(
        name="scan",
        description="bandit, pip-audit, secret scan, workflow scan (zizmor), IaC scan (checkov)",
        toolchain="security",
        steps=(
            Step("bandit", python_cmd("pipeline.gates", "bandit")),
            Step(
                "pip-audit", python_cmd("pipeline.gates", "pip-audit"), degraded_exit=DEGRADED_EXIT
            ),
            Step("secrets", python_cmd("pipeline.gates", "secrets")),
            Step("workflows", python_cmd("pipeline.gates", "workflows")),
            Step("iac", python_cmd("pipeline.gates", "iac")),
        ),
        inputs=("**/*", ".github/**/*", ".secrets.baseline"),
        needs=("synth",),
        network=Network.DEFAULT,  # pip-audit asks PyPI's vulnerability data
    ),
)
CI_STAGES = tuple(stage.name for stage in CI)
