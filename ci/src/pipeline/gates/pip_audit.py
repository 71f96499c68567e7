"""pip-audit over the LOCKED dependencies of the project and of the security toolchain.

Pins come from the uv lock files (not from whatever venv runs the gate) and are audited with
`--no-deps --disable-pip`: nothing is resolved or installed, so the audit is offline-safe apart
from the vulnerability lookups themselves (hashes are not needed in that mode: pip never runs).
Verdict: known vulnerabilities -> 1; any dependency that could not be audited -> 3 (DEGRADED,
never a pass: pip-audit itself exits 0 in that case), and so is a vulnerability service that
cannot be reached at all (pip-audit crashes then); everything audited and clean -> 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipeline.gates import audit_report, locked_requirements
from pipeline.gates.audit_report import AuditReport, AuditReportError, Unaudited
from pipeline.gates.context import GateContext
from pipeline.gates.locked_requirements import LockedPackage, LockedSet, LockFileError
from pipeline.gates.outcome import GateExit, GateInputError, GateResult, ToolFailed
from pipeline.gates.tool_runner import output_tail, require

LOCK_FILES = ("uv.lock", "ci/toolchains/security/uv.lock")
REPORT_FILE = "pip-audit.json"
WORK_DIR = "pip-audit"
LISTED_PER_REASON = 8
# pip-audit crashes with a traceback when the vulnerability service cannot be reached at all
# (DNS, TLS, proxy, timeout). Only the exception class and host are kept: a proxy URL in the
# message may carry credentials.
_NETWORK_ERROR = re.compile(
    r"^(?P<kind>requests\.exceptions\.\w+|urllib3\.exceptions\.\w+)\b(?P<rest>.*)$", re.MULTILINE
)
_HOST = re.compile(r"host='(?P<host>[^']+)'")


def network_failure(stderr: str) -> str | None:
    """Why the vulnerability service was unreachable, from pip-audit's traceback; else None."""
    matches = list(_NETWORK_ERROR.finditer(stderr))
    if not matches:
        return None
    last = matches[-1]
    host = _HOST.search(last.group("rest"))
    where = f" ({host.group('host')})" if host else ""
    return f"vulnerability service unreachable{where}: {last.group('kind')}"


def read_locks(repo: Path, locks: Sequence[str] = LOCK_FILES) -> list[LockedSet]:
    sets = []
    for lock in locks:
        path = repo / lock
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise GateInputError(
                f"lock file {lock} is missing: run `uv lock` for its project and commit it"
            ) from None
        try:
            sets.append(locked_requirements.read_lock(lock, text))
        except LockFileError as exc:
            raise GateInputError(f"{exc}; regenerate it with `uv lock`") from None
    return sets


def verdict(report: AuditReport, shown: str, origin: Mapping[str, str] | None = None) -> GateResult:
    """Vulnerabilities fail, anything unaudited is DEGRADED, and only a full clean audit passes."""
    origin = origin or {}
    details = [
        f"VULNERABLE {v.describe()}" + (f" [{origin[v.package]}]" if v.package in origin else "")
        for v in report.vulnerabilities
    ]
    reasons = audit_report.common_reasons(report.unaudited)
    for reason, count in reasons:
        names = [u.package for u in report.unaudited if reason in u.reason][:LISTED_PER_REASON]
        more = ", ..." if count > len(names) else ""
        details.append(f"NOT AUDITED ({count}) {reason}: {', '.join(names)}{more}")
    total = report.total
    missing = len(report.unaudited)
    why = reasons[0][0] if reasons else "nothing to audit"
    if report.vulnerabilities:
        affected = len({(v.package, v.version) for v in report.vulnerabilities})
        extra = f"; {missing} could not be audited" if missing else ""
        summary = (
            f"pip-audit: {len(report.vulnerabilities)} known vulnerabilities in {affected} of "
            f"{total} dependencies{extra} (report: {shown})"
        )
        return GateResult(GateExit.FINDINGS, summary, tuple(details))
    if missing or total == 0:
        summary = (
            f"pip-audit: DEGRADED: {missing} of {total} dependencies could not be audited: "
            f"{why} (report: {shown})"
        )
        return GateResult(GateExit.DEGRADED, summary, tuple(details))
    summary = (
        f"pip-audit: 0 known vulnerabilities in {total} audited dependencies (report: {shown})"
    )
    return GateResult(GateExit.PASSED, summary, tuple(details))


def run(ctx: GateContext) -> GateResult:
    pip_audit = require(ctx.runner, "pip-audit")
    sets = read_locks(ctx.repo)
    requested = [p for s in sets for p in s.packages]
    if not requested:
        raise GateInputError(
            f"no index packages found in {', '.join(LOCK_FILES)}: nothing to audit"
        )
    locks_of: dict[str, list[str]] = {}
    for locked in sets:
        for package in locked.packages:
            found_in = locks_of.setdefault(package.name, [])
            if locked.lock not in found_in:
                found_in.append(locked.lock)
    origin = {name: ", ".join(locks) for name, locks in locks_of.items()}
    work = ctx.report_path(WORK_DIR)
    work.mkdir(exist_ok=True)
    results: list[tuple[AuditReport, tuple[LockedPackage, ...]]] = []
    runs: list[dict[str, object]] = []
    for number, layer in enumerate(locked_requirements.layers(requested), start=1):
        requirements = work / f"requirements-{number}.txt"
        output = work / f"run-{number}.json"
        requirements.write_text(locked_requirements.requirements_text(layer), encoding="utf-8")
        output.unlink(missing_ok=True)
        argv = [
            pip_audit, "-r", ctx.relative(requirements), "--no-deps", "--disable-pip",
            "-f", "json", "-o", ctx.relative(output), "--progress-spinner", "off",
        ]  # fmt: skip
        tool = ctx.runner.run(argv, ctx.repo)
        unreachable = None if output.is_file() else network_failure(tool.stderr)
        if unreachable is not None:
            results.append((_unaudited(layer, unreachable), layer))
        elif tool.exit_code not in (0, 1) or not output.is_file():
            tail = output_tail(tool)
            raise ToolFailed(f"pip-audit exited {tool.exit_code} without a report:\n{tail}")
        else:
            results.append((_read_report(output), layer))
        runs.append({"requirements": ctx.relative(requirements), "exit_code": tool.exit_code,
                     "duration_s": round(tool.duration_s, 3)})  # fmt: skip
    merged = audit_report.combine(results)
    from_locks = tuple(Unaudited(name, why) for s in sets for name, why in s.unauditable)
    report = AuditReport(merged.audited, merged.vulnerabilities, merged.unaudited + from_locks)
    path = ctx.report_path(REPORT_FILE)
    document = audit_report.as_json(report, runs)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return verdict(report, ctx.relative(path), origin)


def _unaudited(layer: Sequence[LockedPackage], reason: str) -> AuditReport:
    unaudited = tuple(Unaudited(p.name, f"{reason}: {p.name} ({p.version})") for p in layer)
    return AuditReport((), (), unaudited)


def _read_report(path: Path) -> AuditReport:
    try:
        return audit_report.parse(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, AuditReportError) as exc:
        raise ToolFailed(f"pip-audit wrote an unreadable report {path}: {exc}") from None
