"""`diagnose(env, symptom)`: collect the facts the checks need (each collector in its own
thread, bounded by a timeout: one that fails or hangs makes its checks "unknown" and the rest
still run), decide every check, then a verdict and the runbook to open."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from infra.config.model import EnvironmentConfig
from infra.operations.diagnose import checks as c
from infra.operations.diagnose.facts import Unknown
from infra.operations.diagnose.model import Check, Runbook, Status, Symptom
from infra.operations.diagnose.trees import TRIAGE_ORDER, tree_of

DEFAULT_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Collectors:
    """The adapters of one target (aws_collectors / local_collectors build them)."""

    health: Callable[[], Any]
    alarms: Callable[[], Any]
    requests: Callable[[], Any]
    metrics: Callable[[], Any]
    deployment: Callable[[], Any]
    issuer: Callable[[], Any]
    identity: Callable[[], Any]
    cost: Callable[[], Any]


# check key -> (collector, decision)
Decide = Callable[[Any, EnvironmentConfig], Check]
CHECKS: Mapping[str, tuple[str, Decide]] = {
    "health": ("health", lambda f, _: c.check_health(f)),
    "alarms": ("alarms", lambda f, cfg: c.check_alarms(f, cfg.name)),
    "server-errors": ("requests", c.check_server_errors),
    "latency": ("requests", c.check_latency),
    "auth-failures": ("requests", c.check_auth_failures),
    "function-errors": ("metrics", c.check_function_errors),
    "timeouts": ("metrics", c.check_timeouts),
    "throttles": ("metrics", c.check_throttles),
    "reports": ("metrics", c.check_reports),
    "deployment": ("deployment", lambda f, _: c.check_deployment(f)),
    "issuer": ("issuer", lambda f, _: c.check_issuer(f)),
    "identity": ("identity", lambda f, _: c.check_identity(f)),
    "cost": ("cost", lambda f, _: c.check_cost(f)),
}


@dataclass(frozen=True)
class Diagnosis:
    env: str
    target: str
    symptom: Symptom | None
    checks: tuple[Check, ...]
    verdict: Status
    headline: str
    runbook: Runbook | None

    @property
    def exit_code(self) -> int:
        """1 when a check failed (the CLI's exit code), else 0."""
        return 1 if self.verdict is Status.FAIL else 0


def diagnose(
    env: str,
    symptom: Symptom | None,
    *,
    config: EnvironmentConfig,
    collectors: Collectors,
    target: str,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Diagnosis:
    """Run the symptom's tree (or every check) on `target`; never raises for a collector."""
    keys = tree_of(symptom).checks if symptom is not None else TRIAGE_ORDER
    needed = tuple(dict.fromkeys(CHECKS[k][0] for k in keys))
    facts = collect({name: getattr(collectors, name) for name in needed}, timeout_s)
    results = tuple(CHECKS[k][1](facts[CHECKS[k][0]], config) for k in keys)
    verdict, headline, runbook = decide(results, symptom)
    return Diagnosis(env, target, symptom, results, verdict, headline, runbook)


def collect(collectors: Mapping[str, Callable[[], Any]], timeout_s: float) -> dict[str, Any]:
    """Each collector's fact, or Unknown naming its error or the timeout."""
    results: dict[str, Any] = {}

    def run(name: str, collector: Callable[[], Any]) -> None:
        try:
            results[name] = collector()
        except Exception as exc:  # any adapter failure makes this fact unknown, not the run
            results[name] = Unknown(f"{type(exc).__name__}: {exc}")

    # Daemon threads: a collector that never returns cannot hold the command open.
    threads = {
        name: threading.Thread(target=run, args=(name, fn), daemon=True, name=f"collect-{name}")
        for name, fn in collectors.items()
    }
    for thread in threads.values():
        thread.start()
    for thread in threads.values():
        thread.join(timeout_s)  # each started at once, so the total wait is about timeout_s
    return {
        name: results.get(name, Unknown(f"no answer within {timeout_s:g} s")) for name in collectors
    }


def decide(
    checks: tuple[Check, ...], symptom: Symptom | None
) -> tuple[Status, str, Runbook | None]:
    """The verdict (worst status), a one-line headline and the runbook to open."""
    verdict = min((check.status for check in checks), key=lambda s: s.rank, default=Status.OK)
    if symptom is not None:
        tree = tree_of(symptom)
        by_key = {check.key: check for check in checks}
        for step in tree.steps:
            found = by_key[step.check]
            if found.status in (Status.FAIL, Status.WARN):
                return verdict, f"{step.question} yes: {found.summary}", step.if_yes
        unknowns = sum(1 for check in checks if check.status is Status.UNKNOWN)
        note = f" ({unknowns} check(s) could not run)" if unknowns else ""
        return verdict, f"no check explains '{tree.title}'{note}", tree.otherwise
    bad = sorted(
        (check for check in checks if check.status in (Status.FAIL, Status.WARN)),
        key=lambda check: (check.status.rank, TRIAGE_ORDER.index(check.key)),
    )
    if bad:
        return verdict, f"{bad[0].key}: {bad[0].summary}", bad[0].runbook
    if verdict is Status.UNKNOWN:
        unknowns = sum(1 for check in checks if check.status is Status.UNKNOWN)
        return verdict, f"no problem found, but {unknowns} check(s) could not run", None
    return verdict, "no problem found", None


def render_diagnosis(diagnosis: Diagnosis) -> list[str]:
    """The terminal output: one line per check, the verdict, the runbook to open."""
    about = f" --symptom {diagnosis.symptom.value}" if diagnosis.symptom else ""
    lines = [f"diagnose --env {diagnosis.env}{about} (target {diagnosis.target})"]
    width = max((len(check.key) for check in diagnosis.checks), default=0)
    for check in diagnosis.checks:
        line = f"  {check.status.value:<7} {check.key:<{width}}  {check.summary}"
        if check.runbook is not None and check.status is not Status.OK:
            line += f"  -> {check.runbook.link}"
        lines.append(line)
    lines.append(f"verdict: {diagnosis.verdict.value.upper()}: {diagnosis.headline}")
    if diagnosis.runbook is not None:
        lines.append(f"open: {diagnosis.runbook.link}")
    return lines


def diagnosis_as_dict(diagnosis: Diagnosis) -> dict[str, Any]:
    return {
        "env": diagnosis.env,
        "target": diagnosis.target,
        "symptom": diagnosis.symptom.value if diagnosis.symptom else None,
        "verdict": diagnosis.verdict.value,
        "headline": diagnosis.headline,
        "runbook": diagnosis.runbook.link if diagnosis.runbook else None,
        "checks": [
            {
                "key": check.key,
                "status": check.status.value,
                "summary": check.summary,
                "runbook": check.runbook.link if check.runbook else None,
            }
            for check in diagnosis.checks
        ],
    }
