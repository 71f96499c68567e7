"""detect-secrets over the repository against the committed `.secrets.baseline`.

Files: git-tracked plus untracked non-ignored ones in a checkout; a walk of the tree minus the
catalog's EXCLUDES where there is no .git (the stage containers). The scan runs as
`detect-secrets scan --baseline COPY FILES...` on a temporary copy of the baseline, so the
baseline's plugin and filter settings apply and the tree is never rewritten. A secret is "new"
when (file, type, hash) is not in the baseline; new secrets, and baseline entries audited as
real (`is_secret: true`) that are still present, fail the gate. Secret values (and their hashes)
are never printed or reported: only file:line and type.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline.catalog import EXCLUDES
from pipeline.gates.context import GateContext
from pipeline.gates.outcome import GateExit, GateInputError, GateResult, ToolFailed
from pipeline.gates.tool_runner import output_tail, require
from pipeline.sourcefiles import source_files

BASELINE = ".secrets.baseline"
REPORT_FILE = "secrets.json"
# Nested virtualenvs (e.g. ci/toolchains/security/.venv) are third-party code, never ours to
# scan; the catalog's ".venv" only covers the root one when there is no .git to ask.
SCAN_EXCLUDES = (*EXCLUDES, "**/.venv", "**/node_modules")
CREATE_BASELINE = f"detect-secrets scan > {BASELINE}  (then `detect-secrets audit {BASELINE}`)"


@dataclass(frozen=True, order=True)
class SecretFinding:
    path: str
    line: int
    type: str

    def describe(self) -> str:
        return f"{self.path}:{self.line}: {self.type}"


@dataclass(frozen=True)
class SecretVerdict:
    new: tuple[SecretFinding, ...]
    confirmed: tuple[SecretFinding, ...]  # audited as real in the baseline and still present
    known: int  # baseline entries still present and not audited as real


def _key(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(entry.get("filename")), str(entry.get("type")), str(entry.get("hashed_secret")))


def _entries(doc: Mapping[str, Any], label: str) -> list[Mapping[str, Any]]:
    results = doc.get("results")
    if not isinstance(results, dict):
        raise GateInputError(
            f"{label} has no `results` object: regenerate it with {CREATE_BASELINE}"
        )
    return [e for entries in results.values() if isinstance(entries, list) for e in entries
            if isinstance(e, dict)]  # fmt: skip


def compare(baseline: Mapping[str, Any], scanned: Mapping[str, Any]) -> SecretVerdict:
    """Classify what the scan found against the baseline (pure)."""
    accepted = {_key(e): e for e in _entries(baseline, BASELINE)}
    new: list[SecretFinding] = []
    confirmed: list[SecretFinding] = []
    known = 0
    for entry in _entries(scanned, "the scan result"):
        finding = SecretFinding(
            str(entry.get("filename")),
            int(entry.get("line_number", 0) or 0),
            str(entry.get("type")),
        )
        previous = accepted.get(_key(entry))
        if previous is None:
            new.append(finding)
        elif previous.get("is_secret") is True:
            confirmed.append(finding)
        else:
            known += 1
    return SecretVerdict(tuple(sorted(new)), tuple(sorted(confirmed)), known)


def listing_mode(repo: Path) -> str:
    if (repo / ".git").exists() and shutil.which("git") is not None:
        return "git-tracked and untracked non-ignored files"
    return "a walk of the tree (no .git) minus the catalog's excludes"


def run(ctx: GateContext) -> GateResult:
    detect_secrets = require(ctx.runner, "detect-secrets")
    baseline_path = ctx.repo / BASELINE
    baseline = _load_json(baseline_path, f"{BASELINE} is missing: create it with {CREATE_BASELINE}")
    _entries(baseline, BASELINE)  # a malformed baseline is a config error even in an empty tree
    files = [f for f in source_files(ctx.repo, SCAN_EXCLUDES) if f != BASELINE]
    if not files:
        # detect-secrets given no paths would scan "." instead: say so rather than guess.
        return GateResult(GateExit.PASSED, "secrets: no files to scan")
    with tempfile.TemporaryDirectory(prefix="secrets-scan-") as scratch:
        working = Path(scratch) / "baseline.json"
        shutil.copyfile(baseline_path, working)
        argv = [detect_secrets, "scan", "--baseline", str(working), *files]
        tool = ctx.runner.run(argv, ctx.repo)
        if tool.exit_code != 0:
            raise ToolFailed(f"detect-secrets exited {tool.exit_code}:\n{output_tail(tool)}")
        scanned = _load_json(working, "detect-secrets did not write its scan result")
    verdict = compare(baseline, scanned)
    report = ctx.report_path(REPORT_FILE)
    document = {
        "baseline": BASELINE,
        "files_scanned": len(files),
        "file_listing": listing_mode(ctx.repo),
        "new_secrets": [asdict(f) for f in verdict.new],
        "confirmed_secrets": [asdict(f) for f in verdict.confirmed],
        "known_in_baseline": verdict.known,
    }
    report.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    shown = ctx.relative(report)
    details = [
        f"scanned {len(files)} files ({listing_mode(ctx.repo)})",
        *(f"NEW SECRET {f.describe()}" for f in verdict.new),
        *(f"AUDITED AS REAL {f.describe()}" for f in verdict.confirmed),
    ]
    if verdict.new or verdict.confirmed:
        details.append(
            "fix: remove the secret (rotate it if it was ever pushed); for a false positive "
            "add `# pragma: allowlist secret` on the line, or record it with "
            f"`detect-secrets scan --baseline {BASELINE} FILE...` (every file of the repository, "
            f"or the baseline forgets the others) then `detect-secrets audit {BASELINE}`"
        )
        summary = (
            f"secrets: {len(verdict.new)} new, {len(verdict.confirmed)} audited as real "
            f"in {len(files)} files (report: {shown})"
        )
        return GateResult(GateExit.FINDINGS, summary, tuple(details))
    summary = (
        f"secrets: 0 new secrets in {len(files)} files, {verdict.known} known in {BASELINE} "
        f"(report: {shown})"
    )
    return GateResult(GateExit.PASSED, summary, tuple(details))


def _load_json(path: Path, missing: str) -> Mapping[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GateInputError(missing) from None
    except (OSError, ValueError) as exc:
        raise GateInputError(f"{path.name} is not valid JSON ({exc}): {CREATE_BASELINE}") from None
    if not isinstance(doc, dict):
        raise GateInputError(f"{path.name} is not a detect-secrets baseline: {CREATE_BASELINE}")
    return doc
