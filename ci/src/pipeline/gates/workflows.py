"""zizmor (offline audits) over the GitHub Actions workflows in .github/workflows.

Workflow files are passed one by one so SARIF locations are repository-relative (what GitHub
code scanning expects). Any finding zizmor reports (its default "regular" persona, ignore
comments honoured) fails the gate; no workflow files is a pass with a note.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.gates import sarif
from pipeline.gates.context import GateContext
from pipeline.gates.outcome import GateExit, GateResult, ToolFailed
from pipeline.gates.tool_runner import output_tail, require

WORKFLOW_DIR = ".github/workflows"
SARIF_FILE = "zizmor.sarif"
# zizmor's plain-format exit codes: 0 clean, 10-14 findings by highest severity; else an error.
_PLAIN_OK = frozenset({0, 10, 11, 12, 13, 14})


def workflow_files(repo: Path) -> list[str]:
    folder = repo / WORKFLOW_DIR
    if not folder.is_dir():
        return []
    return sorted(
        f"{WORKFLOW_DIR}/{p.name}"
        for p in folder.iterdir()
        if p.is_file() and p.suffix in (".yml", ".yaml")
    )


def run(ctx: GateContext) -> GateResult:
    zizmor = require(ctx.runner, "zizmor")
    files = workflow_files(ctx.repo)
    if not files:
        return GateResult(
            GateExit.PASSED, f"workflows: no workflow files in {WORKFLOW_DIR}: nothing to scan"
        )
    report = ctx.report_path(SARIF_FILE)
    shown = ctx.relative(report)
    machine = ctx.runner.run([zizmor, "--offline", "--format", "sarif", *files], ctx.repo)
    if machine.exit_code not in _PLAIN_OK:
        raise ToolFailed(f"zizmor exited {machine.exit_code}:\n{output_tail(machine)}")
    doc = sarif.parse(machine.stdout, "zizmor")
    report.write_text(machine.stdout, encoding="utf-8")
    human = ctx.runner.run(
        [zizmor, "--offline", "--no-progress", "--color", "never", *files], ctx.repo
    )
    if human.exit_code not in _PLAIN_OK:
        raise ToolFailed(f"zizmor exited {human.exit_code}:\n{output_tail(human)}")
    found = sarif.findings(doc)
    details = tuple(human.stdout.rstrip().splitlines()) if found else ()
    summary = f"workflows: {len(found)} findings in {len(files)} workflow files (SARIF: {shown})"
    return GateResult(GateExit.FINDINGS if found else GateExit.PASSED, summary, details)
