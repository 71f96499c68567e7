"""The CI stages: lint, typecheck, test, integration, synth and scan (what `pipeline ci` runs)."""

from __future__ import annotations

from pipeline.catalog.model import (
    AUDIT_TTL_S,
    DEGRADED_EXIT,
    REPORTS_DIR,
    Network,
    Stage,
    Step,
    frozen_env,
    python_cmd,
)
from pipeline.catalog.toolchains import EMULATOR_SERVICE, PROJECT_FILES, PY_SOURCES

SYNTH_DIR = "build/synth"
# pragma: allowlist nextline secret
GITHUB_TOKEN_SECRET = "GH_TOKEN"  # noqa: S105  # nosec B105 - a name; zizmor reads it
# Tests that drive the Docker Engine itself cannot run inside a stage container.
DOCKER_MARKER = "docker"
DOCKER_TESTS_COMMAND = f"./run-tests -m {DOCKER_MARKER}"
# Under CI=true a test whose dependency (emulator, scanner venv) is missing fails, never skips.
STRICT_TESTS_ENV = {"CI": "true"}

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
        env=frozen_env(
            {"COVERAGE_FILE": "/tmp/.coverage", **STRICT_TESTS_ENV}  # noqa: S108  # nosec B108
        ),
    ),
    Stage(
        name="integration",
        description="integration tests against the AWS emulator service, real scanners, JUnit",
        toolchain="python",
        steps=(
            Step(
                "pytest",
                python_cmd(
                    "pytest",
                    "tests/integration",
                    "-m",
                    f"not {DOCKER_MARKER}",
                    "-p",
                    "no:cacheprovider",
                    f"--junitxml={REPORTS_DIR}/integration/junit.xml",
                ),
            ),
        ),
        inputs=("app/**/*", "infra/**/*", "ci/**/*", "tests/**/*", *PROJECT_FILES),
        env=frozen_env({**STRICT_TESTS_ENV, "UV_LINK_MODE": "copy"}),  # uv cache: another volume
        services=(EMULATOR_SERVICE.name,),
        caches=("uv",),
        # The scanner tests sync the security toolchain venv, and the bundle test downloads
        # Lambda wheels, from PyPI.
        network=Network.DEFAULT,
        notes=(
            f"tests marked `{DOCKER_MARKER}` are deselected here: they drive the Docker Engine, "
            f"which a stage container does not have; `{DOCKER_TESTS_COMMAND}` runs them on a "
            "host with a daemon (CI does, next to this pipeline)",
        ),
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
            Step(
                "workflows",
                python_cmd("pipeline.gates", "workflows"),
                degraded_exit=DEGRADED_EXIT,
            ),
            Step("iac", python_cmd("pipeline.gates", "iac")),
        ),
        inputs=("**/*", ".github/**/*", ".secrets.baseline"),
        # zizmor's online audits (known-vulnerable actions, impostor commits) ask GitHub.
        secrets=(GITHUB_TOKEN_SECRET,),
        needs=("synth",),
        network=Network.DEFAULT,  # pip-audit asks PyPI's vulnerability data, zizmor GitHub's API
        result_ttl_s=AUDIT_TTL_S,  # advisories published since the last run must be seen
    ),
)
CI_STAGES = tuple(stage.name for stage in CI)
