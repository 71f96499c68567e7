"""The promotion gate, pure: a digest reaches production only when its staging deploy, staging
smoke and (once that stage exists) perf records are all green."""

from __future__ import annotations

from collections.abc import Sequence

from infra.rollout.errors import NotGreen
from infra.rollout.ports import Evidence, Verdict


def gate_problems(evidence: Sequence[Evidence]) -> list[str]:
    """One line per gate that is not green."""
    problems = []
    for e in evidence:
        if e.verdict is Verdict.RED:
            problems.append(f"{e.what} is red" + (f": {e.detail}" if e.detail else ""))
        elif e.verdict is Verdict.MISSING:
            problems.append(f"{e.what} has no record" + (f" ({e.detail})" if e.detail else ""))
    return problems


def require_green(digest: str, evidence: Sequence[Evidence]) -> None:
    problems = gate_problems(evidence)
    if problems:
        raise NotGreen(
            f"digest {digest[:12]} is not green before production: "
            + "; ".join(problems)
            + ". Release it through staging first (`pipeline release`), or use `hotfix` with a "
            "reason for an audited emergency fix"
        )


def summary(evidence: Sequence[Evidence]) -> str:
    return ", ".join(f"{e.what} {e.verdict.value}" for e in evidence)
