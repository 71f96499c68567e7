"""bandit over the project's Python sources.

Policy: a finding blocks when its severity is MEDIUM or HIGH *and* its confidence is MEDIUM or
HIGH. Everything else (low severity, or low confidence) is reported in the SARIF file and listed
in the log but does not fail the gate. A file bandit could not parse also fails the gate (it was
not scanned). Suppress a reviewed false positive inline with `# nosec BXXX - reason`.
The SARIF file is always written: build/reports/scan/bandit.sarif.
"""

from __future__ import annotations

import re
from enum import IntEnum

from pipeline.gates import sarif
from pipeline.gates.context import GateContext
from pipeline.gates.outcome import GateExit, GateResult, ToolFailed
from pipeline.gates.tool_runner import output_tail, require

TARGETS = ("app", "infra", "ci/src")
SARIF_FILE = "bandit.sarif"
CONFIG_FILE = "pyproject.toml"
# bandit's hardcoded-password messages quote the value; the log must not repeat it.
_QUOTES_VALUE = frozenset({"B105", "B106", "B107"})
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


class Rank(IntEnum):
    UNDEFINED = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def of(cls, text: str) -> Rank:
        return cls.__members__.get(text.strip().upper(), cls.UNDEFINED)


BAR = Rank.MEDIUM


def blocks(severity: str, confidence: str) -> bool:
    """True when a finding fails the gate: severity and confidence both at least MEDIUM."""
    return Rank.of(severity) >= BAR and Rank.of(confidence) >= BAR


def describe(finding: sarif.SarifFinding) -> str:
    severity = finding.properties.get("issue_severity", "?")
    confidence = finding.properties.get("issue_confidence", "?")
    message = finding.message
    if finding.rule_id in _QUOTES_VALUE:
        message = _QUOTED.sub("'<redacted>'", message)
    return (
        f"{finding.location}: {finding.rule_id} "
        f"[severity {severity.lower()}, confidence {confidence.lower()}] {message}"
    )


def run(ctx: GateContext) -> GateResult:
    bandit = require(ctx.runner, "bandit")
    targets = [t for t in TARGETS if (ctx.repo / t).is_dir()]
    report = ctx.report_path(SARIF_FILE)
    shown = ctx.relative(report)
    if not targets:
        return GateResult(
            GateExit.PASSED, f"bandit: no sources to scan ({', '.join(TARGETS)} absent)"
        )
    report.unlink(missing_ok=True)
    config = ["-c", CONFIG_FILE] if (ctx.repo / CONFIG_FILE).is_file() else []
    argv = [bandit, *config, "-q", "-r", *targets, "-f", "sarif", "-o", shown]
    tool = ctx.runner.run(argv, ctx.repo)
    if tool.exit_code not in (0, 1) or not report.is_file():
        raise ToolFailed(f"bandit exited {tool.exit_code} without a report:\n{output_tail(tool)}")
    doc = sarif.load(report, "bandit")
    found = sarif.findings(doc)
    unscanned = sarif.tool_errors(doc)
    blocking = [
        f
        for f in found
        if blocks(f.properties.get("issue_severity", ""), f.properties.get("issue_confidence", ""))
    ]
    minor = [f for f in found if f not in blocking]
    details = [
        *(f"BLOCKING {describe(f)}" for f in blocking),
        *(f"below the bar {describe(f)}" for f in minor),
        *(f"NOT SCANNED {error}" for error in unscanned),
    ]
    note = f" ({len(minor)} below the medium/medium bar)" if minor else ""
    if blocking or unscanned:
        parts = [f"{len(blocking)} blocking findings{note}"]
        if unscanned:
            parts.append(f"{len(unscanned)} files could not be scanned")
        summary = f"bandit: {', '.join(parts)} (SARIF: {shown})"
        return GateResult(GateExit.FINDINGS, summary, tuple(details))
    counted = f"0 blocking findings{note}" if minor else "0 findings"
    return GateResult(GateExit.PASSED, f"bandit: {counted} (SARIF: {shown})", tuple(details))
