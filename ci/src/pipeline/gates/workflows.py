"""zizmor over the GitHub Actions workflows in .github/workflows.

With a GitHub token in GH_TOKEN (CI: the job's read-only token) zizmor also runs its online
audits (known-vulnerable actions, impostor commits: pinned SHAs that are not on the action's
repository); zizmor reads the token from the environment, so it is never on a command line.
Without one only the offline audits run and the gate is DEGRADED, never a pass. Workflow files are
passed one by one so SARIF locations are repository-relative (what GitHub code scanning expects).
Any finding (zizmor's "regular" persona, ignore comments honoured) fails the gate; no workflow
files is a pass with a note.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.catalog import GITHUB_TOKEN_SECRET
from pipeline.gates import sarif
from pipeline.gates.context import GateContext
from pipeline.gates.outcome import GateExit, GateResult, ToolFailed
from pipeline.gates.tool_runner import output_tail, require

WORKFLOW_DIR = ".github/workflows"
SARIF_FILE = "zizmor.sarif"
# zizmor's plain-format exit codes: 0 clean, 10-14 findings by highest severity; else an error.
_PLAIN_OK = frozenset({0, 10, 11, 12, 13, 14})
ONLINE_AUDITS = ("known-vulnerable-actions", "impostor-commit")


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
    online = bool(ctx.environ.get(GITHUB_TOKEN_SECRET))
    mode = [] if online else ["--offline"]
    machine = ctx.runner.run([zizmor, *mode, "--format", "sarif", *files], ctx.repo)
    if machine.exit_code not in _PLAIN_OK:
        raise ToolFailed(f"zizmor exited {machine.exit_code}:\n{output_tail(machine)}")
    doc = sarif.parse(machine.stdout, "zizmor")
    report.write_text(machine.stdout, encoding="utf-8")
    human = ctx.runner.run([zizmor, *mode, "--no-progress", "--color", "never", *files], ctx.repo)
    if human.exit_code not in _PLAIN_OK:
        raise ToolFailed(f"zizmor exited {human.exit_code}:\n{output_tail(human)}")
    found = sarif.findings(doc)
    details = tuple(human.stdout.rstrip().splitlines()) if found else ()
    counted = f"{len(found)} findings in {len(files)} workflow files"
    if found:
        return GateResult(GateExit.FINDINGS, f"workflows: {counted} (SARIF: {shown})", details)
    if not online:
        summary = (
            f"workflows: {counted}, offline audits only: the online audits "
            f"({', '.join(ONLINE_AUDITS)}) need a GitHub token in {GITHUB_TOKEN_SECRET} "
            f"(read-only is enough) (SARIF: {shown})"
        )
        return GateResult(GateExit.DEGRADED, summary, details)
    summary = f"workflows: {counted}, online audits included (SARIF: {shown})"
    return GateResult(GateExit.PASSED, summary, details)
