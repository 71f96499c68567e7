"""The locust adapter: the token travels in the environment, never in argv; a missing
locustfile is a clear error; the argv is what the docs say."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from infra.perf.errors import GeneratorFailed
from infra.perf.locust_process import (
    LOCUSTFILE,
    GeneratorRun,
    LocustProcess,
    locust_argv,
    locust_environment,
)
from tests.unit.infra.perf.support import PROFILE

REPO = Path(__file__).resolve().parents[4]


def run(tmp_path: Path) -> GeneratorRun:
    return GeneratorRun("http://api.test", PROFILE, ("s1", "s2"), "secret-token", tmp_path)


def test_argv_is_headless_with_the_profile_and_without_the_token(tmp_path: Path) -> None:
    argv = locust_argv(run(tmp_path), REPO)
    assert argv[:5] == [sys.executable, "-m", "locust", "-f", str(REPO / LOCUSTFILE)]
    joined = " ".join(argv)
    for part in (
        "--headless",
        "--users 4",
        "--spawn-rate 4",
        "--run-time 10s",
        f"--csv {tmp_path / 'locust'}",
        "--exit-code-on-error 0",
    ):
        assert part in joined
    assert "secret-token" not in joined


def test_the_environment_carries_token_sites_samples_and_the_repo(tmp_path: Path) -> None:
    env = locust_environment(run(tmp_path), REPO, {"PATH": "/bin", "PYTHONPATH": "/x"})
    # pragma: allowlist nextline secret
    assert env["PERF_TOKEN"] == "secret-token"
    assert env["PERF_SITES"] == "s1,s2"
    assert env["PERF_SAMPLES_FILE"] == str(tmp_path / "samples.csv")
    assert env["PYTHONPATH"].split(":") == [str(REPO), "/x"]
    assert (env["PERF_WAIT_MIN_S"], env["PERF_WAIT_MAX_S"]) == ("0", "0")


def test_a_missing_locustfile_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GeneratorFailed, match=r"tests/perf/locustfile\.py is missing"):
        LocustProcess(tmp_path).start(run(tmp_path))
