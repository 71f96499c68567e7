"""The troubleshooting trees as data: per symptom, the questions asked in order (each answered
by one automatic check) and the runbook each ends in. `diagnose` walks them;
docs/operations/troubleshooting.md shows them as Mermaid diagrams rendered from this data."""

from __future__ import annotations

from dataclasses import dataclass

from infra.operations.diagnose import checks as c
from infra.operations.diagnose.model import Runbook, Symptom


@dataclass(frozen=True)
class Step:
    check: str  # the key of the check that answers the question
    question: str
    if_yes: Runbook  # where a "yes" (the check warns or fails) leads


@dataclass(frozen=True)
class Tree:
    symptom: Symptom
    title: str
    steps: tuple[Step, ...]
    otherwise: Runbook  # every answer "no": the symptom's own procedure

    @property
    def checks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(step.check for step in self.steps))

    @property
    def leaves(self) -> tuple[Runbook, ...]:
        return tuple(dict.fromkeys((*(s.if_yes for s in self.steps), self.otherwise)))


def _s(check: str, question: str, if_yes: Runbook) -> Step:
    return Step(check, question, if_yes)


DEPLOYED = _s("deployment", "Deployed or rolling out in the last hour?", c.UNDO)
ROLLING = _s("deployment", "Deployment failed or a rollout in progress?", c.FAILED_DEPLOY)

TREES: tuple[Tree, ...] = (
    Tree(Symptom.SIGN_IN, "Users cannot sign in", (
        _s("identity", "User pool or app client missing?", c.SIGN_IN),
        _s("issuer", "Issuer's signing keys (JWKS) unreachable?", c.SIGN_IN),
        DEPLOYED,
    ), Runbook("users", "sign-in-fails")),
    Tree(Symptom.UNAUTHORIZED, "Requests answered 401", (
        _s("issuer", "Issuer's signing keys (JWKS) unreachable?", c.SIGN_IN),
        DEPLOYED,
        _s("auth-failures", "Many 401s across clients?", c.AUTH),
    ), c.AUTH),
    Tree(Symptom.SERVER_ERRORS, "Requests answered 500", (
        _s("health", "Health check failing?", c.SERVICE),
        DEPLOYED,
        _s("throttles", "DynamoDB or Lambda throttling?", c.DDB_THROTTLES),
        _s("server-errors", "5xx concentrated on some routes?", c.API_ERRORS),
        _s("function-errors", "Unhandled function errors?", c.LAMBDA_ERRORS),
    ), c.API_ERRORS),
    Tree(Symptom.TIMEOUTS, "Requests time out", (
        _s("timeouts", "Invocations hit the function timeout?", c.TIMEOUTS),
        _s("throttles", "DynamoDB or Lambda throttling?", c.DDB_THROTTLES),
        _s("health", "A dependency failing the health check?", c.SERVICE),
        DEPLOYED,
    ), Runbook("performance", "slow-queries")),
    Tree(Symptom.REPORTS, "Reports not generated or not downloadable", (
        _s("reports", "Report generations failing?", c.REPORTS),
        _s("health", "Report bucket or table failing the health check?", c.SERVICE),
        _s("server-errors", "Report routes answering 5xx?", c.API_ERRORS),
    ), c.REPORTS),
    Tree(Symptom.SLOW, "Slow responses", (
        _s("latency", "p95 latency above the SLO on a route?", c.API_LATENCY),
        _s("throttles", "DynamoDB or Lambda throttling?", c.DDB_THROTTLES),
        _s("timeouts", "Invocations close to the function timeout?", c.DURATION),
        DEPLOYED,
    ), Runbook("performance", "cold-starts")),
    Tree(Symptom.FUNCTION_ERRORS, "Function errors", (
        DEPLOYED,
        _s("function-errors", "Function errors above the alarm?", c.LAMBDA_ERRORS),
        _s("throttles", "Throttling?", c.LAMBDA_THROTTLES),
        _s("timeouts", "Timeouts?", c.TIMEOUTS),
    ), c.LAMBDA_ERRORS),
    Tree(Symptom.THROTTLING, "DynamoDB throttling", (
        _s("throttles", "Throttled requests now?", c.DDB_THROTTLES),
        _s("server-errors", "Clients see 5xx/503 because of it?", c.API_ERRORS),
    ), c.DDB_THROTTLES),
    Tree(Symptom.HIGH_COST, "High cost", (
        _s("cost", "Spend above the daily budgets so far?", c.COST),
        _s("throttles", "Retry storms (throttling)?", c.DDB_THROTTLES),
    ), c.COST),
    Tree(Symptom.FAILED_DEPLOYMENT, "A deployment failed", (
        ROLLING,
        _s("health", "Live version unhealthy?", c.UNDO),
        _s("alarms", "Alarms firing?", c.UNDO),
    ), c.FAILED_DEPLOY),
)  # fmt: skip

# Without a symptom every check runs; a problem found earlier in this list names the runbook.
TRIAGE_ORDER = (
    "alarms",
    "health",
    "deployment",
    "server-errors",
    "function-errors",
    "throttles",
    "timeouts",
    "latency",
    "reports",
    "auth-failures",
    "issuer",
    "identity",
    "cost",
)


def tree_of(symptom: Symptom) -> Tree:
    return next(t for t in TREES if t.symptom is symptom)


def mermaid(tree: Tree) -> str:
    """The tree as a Mermaid flowchart (GitHub renders it in Markdown)."""
    lines = ["flowchart TD", f'  S(["{tree.title}"])']
    previous = "S"
    for i, step in enumerate(tree.steps, 1):
        node = f"Q{i}"
        edge = " -->|no| " if i > 1 else " --> "
        lines.append(f'  {previous}{edge}{node}{{"{step.question}"}}')
        lines.append(f'  {node} -->|yes| {_leaf_id(step.if_yes)}["{_leaf_text(step.if_yes)}"]')
        previous = node
    other = tree.otherwise
    lines.append(f'  {previous} -->|no| {_leaf_id(other)}["{_leaf_text(other)}"]')
    return "\n".join(lines)


def _leaf_id(runbook: Runbook) -> str:
    return "R_" + f"{runbook.page}_{runbook.anchor}".replace("-", "_")


def _leaf_text(runbook: Runbook) -> str:
    return f"{runbook.page}.md: {runbook.anchor.replace('-', ' ')}"


def troubleshooting_page() -> str:
    """docs/operations/troubleshooting.md, generated from TREES (a test keeps the file equal)."""
    out = [
        "# Troubleshooting trees",
        "",
        "<!-- Generated from infra/operations/diagnose/trees.py: edit the trees there, then run",
        "     UPDATE_DOCS=1 ./run-tests tests/unit/docs/test_operations_docs.py -->",
        "",
        "One tree per symptom. `./pipeline diagnose --env E --symptom NAME` answers every",
        "question automatically (each one is a check), prints each check as ok/warn/fail/unknown",
        'and names the runbook section the first "yes" leads to; without `--symptom` it runs',
        "every check. Questions are asked top to bottom; a check that could not run is",
        "`unknown` and the walk goes on. Severities and the first five minutes:",
        "[QUICK-START](QUICK-START.md).",
        "",
        "| symptom | `--symptom` |",
        "|---|---|",
    ]
    out += [f"| [{t.title}](#{_slug(t.title)}) | `{t.symptom.value}` |" for t in TREES]
    for tree in TREES:
        out += [
            "",
            f"## {tree.title}",
            "",
            f"`./pipeline diagnose --env E --symptom {tree.symptom.value}`",
        ]
        out += ["", "```mermaid", mermaid(tree), "```", "", "Where it ends:", ""]
        for step in tree.steps:
            out.append(f"- {step.question} yes: [{_leaf_text(step.if_yes)}]({_href(step.if_yes)})")
        out.append(f"- Every answer no: [{_leaf_text(tree.otherwise)}]({_href(tree.otherwise)})")
    return "\n".join(out) + "\n"


def _href(runbook: Runbook) -> str:
    return f"{runbook.page}.md#{runbook.anchor}"


def _slug(title: str) -> str:
    """GitHub's heading anchor for the plain titles used here."""
    kept = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")
