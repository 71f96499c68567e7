"""diagnose(): collectors that fail or hang make their checks unknown and the rest still run;
the verdict and runbook follow the symptom's tree (or the triage order)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.config import load_environment
from infra.operations.diagnose.facts import (
    CostFact,
    DeploymentFact,
    HealthFact,
    IdentityFact,
    IssuerFact,
    RequestFacts,
    RouteStats,
    ServiceMetrics,
)
from infra.operations.diagnose.model import Check, Status, Symptom, UnknownSymptom, parse_symptom
from infra.operations.diagnose.run import (
    Collectors,
    decide,
    diagnose,
    diagnosis_as_dict,
    render_diagnosis,
)
from infra.operations.diagnose.trees import TREES, tree_of

CONFIG = load_environment("staging")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
QUIET = ServiceMetrics(15, 0.0, 0.0, 100.0, 0.0, 0.0, 0.0, "test")


def healthy(**changes: Any) -> Collectors:
    base: dict[str, Any] = {
        "health": lambda: HealthFact("http://127.0.0.1:1/health", 200),
        "alarms": lambda: (),
        "requests": lambda: RequestFacts(
            15, (RouteStats("/sites/{site_id}", 100, 0, 0, 80.0),), "t"
        ),
        "metrics": lambda: QUIET,
        "deployment": lambda: DeploymentFact(None, None, NOW),
        "issuer": lambda: IssuerFact("https://issuer/jwks.json", True, 1),
        "identity": lambda: IdentityFact(True, "pool p"),
        "cost": lambda: CostFact(True, 1.0, 1, 50.0),
    }
    base.update(changes)
    return Collectors(**base)


@pytest.fixture
def hang() -> Iterator[threading.Event]:
    released = threading.Event()
    yield released
    released.set()  # let the stuck collector thread end


def test_all_healthy_is_ok_and_exit_0() -> None:
    result = diagnose("staging", None, config=CONFIG, collectors=healthy(), target="local")
    assert result.verdict is Status.OK
    assert result.exit_code == 0
    assert result.runbook is None
    assert len(result.checks) == 13


def test_a_failing_and_a_hanging_collector_become_unknown_and_the_rest_run(
    hang: threading.Event,
) -> None:
    def broken() -> object:
        raise ConnectionError("emulator gone")

    def stuck() -> object:
        hang.wait()
        return ()

    errors = RequestFacts(15, (RouteStats("/sites/{site_id}", 100, 40, 0, 80.0),), "t")
    collectors = healthy(alarms=stuck, metrics=broken, requests=lambda: errors)
    result = diagnose(
        "staging", None, config=CONFIG, collectors=collectors, target="local", timeout_s=0.2
    )
    by_key = {check.key: check for check in result.checks}
    assert by_key["alarms"].status is Status.UNKNOWN
    assert by_key["alarms"].summary == "no answer within 0.2 s"
    assert by_key["function-errors"].status is Status.UNKNOWN
    assert "ConnectionError: emulator gone" in by_key["throttles"].summary
    assert by_key["server-errors"].status is Status.FAIL
    assert result.verdict is Status.FAIL and result.exit_code == 1
    assert (
        result.runbook is not None
        and result.runbook.link == "docs/operations/api.md#api-error-rate"
    )


def test_a_symptom_runs_only_its_trees_checks_and_follows_it() -> None:
    errors = RequestFacts(15, (RouteStats("/reports/{report_id}", 10, 10, 0, 80.0),), "t")
    result = diagnose(
        "staging",
        Symptom.REPORTS,
        config=CONFIG,
        collectors=healthy(requests=lambda: errors),
        target="aws",
    )
    assert [c.key for c in result.checks] == ["reports", "health", "server-errors"]
    assert result.headline.startswith("Report routes answering 5xx? yes:")
    assert result.runbook == tree_of(Symptom.REPORTS).steps[2].if_yes


def test_nothing_found_for_a_symptom_points_at_its_procedure() -> None:
    result = diagnose("staging", Symptom.SIGN_IN, config=CONFIG, collectors=healthy(), target="aws")
    assert result.verdict is Status.OK
    assert result.runbook is not None and result.runbook.link.endswith("users.md#sign-in-fails")


@pytest.mark.parametrize(
    ("statuses", "verdict", "picked"),
    [
        ((("alarms", Status.OK), ("health", Status.OK)), Status.OK, None),
        ((("alarms", Status.UNKNOWN), ("health", Status.OK)), Status.UNKNOWN, None),
        ((("alarms", Status.WARN), ("health", Status.FAIL)), Status.FAIL, "health"),
        ((("alarms", Status.WARN), ("health", Status.WARN)), Status.WARN, "alarms"),
        ((("cost", Status.FAIL), ("health", Status.UNKNOWN)), Status.FAIL, "cost"),
    ],
)
def test_decide_without_a_symptom(
    statuses: tuple[tuple[str, Status], ...], verdict: Status, picked: str | None
) -> None:
    from infra.operations.diagnose.model import Runbook

    checks = tuple(Check(k, s, f"{k} is {s}", Runbook("p", k)) for k, s in statuses)
    got, _headline, runbook = decide(checks, None)
    assert got is verdict
    assert (runbook.anchor if runbook else None) == picked


@pytest.mark.parametrize("raw", ["500", "slow", "Sign-In-Fails", " 401s"])
def test_unknown_symptom_is_exit_2_naming_the_choices(raw: str) -> None:
    with pytest.raises(UnknownSymptom) as caught:
        parse_symptom(raw)
    assert caught.value.exit_code == 2
    assert "sign-in-fails, 401s, 500s, timeouts" in str(caught.value)


def test_ten_trees_one_per_symptom() -> None:
    assert [t.symptom for t in TREES] == list(Symptom)
    assert parse_symptom(None) is None
    assert parse_symptom("500s") is Symptom.SERVER_ERRORS


def test_rendering_names_each_check_the_verdict_and_the_runbook() -> None:
    errors = RequestFacts(15, (RouteStats("/sites/{site_id}", 10, 9, 0, 80.0),), "t")
    result = diagnose(
        "staging", None, config=CONFIG, collectors=healthy(requests=lambda: errors), target="local"
    )
    text = "\n".join(render_diagnosis(result))
    assert "  fail    server-errors    90.0% 5xx (limit 5%)" in text
    assert "-> docs/operations/api.md#api-error-rate" in text
    assert text.splitlines()[-2].startswith("verdict: FAIL: server-errors:")
    assert text.splitlines()[-1] == "open: docs/operations/api.md#api-error-rate"
    document = json.loads(json.dumps(diagnosis_as_dict(result)))
    assert document["verdict"] == "fail" and len(document["checks"]) == 13
