"""tests/e2e run as the pipeline runs it: a separate pytest pointed at a local app, signing in
with the local key (so expiry and audience refusals run too), with a faulted instance of the
same build next to it. Every E2E test must pass; none may be skipped here."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.integration.perf.conftest import REPO, LocalStack

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


def run_suite(env: dict[str, str], junit: Path) -> subprocess.CompletedProcess[str]:
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "tests/e2e",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--junitxml={junit}",
    ]
    return subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_e2e_suite_passes_against_the_local_app_without_skips(
    stack: LocalStack, tmp_path: Path
) -> None:
    url = stack.start_app()
    faulted = stack.start_app({"EI_FAULT_ERROR_RATE": "0.5", "EI_FAULT_SEED": "7"})
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("E2E_", "AWS_"))},
        "E2E_BASE_URL": url,
        "E2E_SIGNING_KEY": stack.keys.private_pem,
        "E2E_FAULT_BASE_URL": faulted,
        "E2E_REQUIRE_FAULTS": "true",
    }
    junit = tmp_path / "e2e.xml"
    result = run_suite(env, junit)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("tests", "0")) >= 25
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")
    assert stack.keys.private_pem.splitlines()[1] not in result.stdout + result.stderr


def test_without_a_target_the_suite_is_not_collected(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("E2E_")}
    result = run_suite(env, tmp_path / "none.xml")
    assert result.returncode == 5, result.stdout  # pytest: no tests collected
