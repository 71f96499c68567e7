"""Interpreting pip-audit's JSON (`-f json`): vulnerable, audited clean, or not audited (pure).

pip-audit exits 0 when it could not look a dependency up at all (e.g. the index's JSON API is
unreachable): it lists the dependency with a `skip_reason` instead of `vulns`. Those count as
"could not be audited" here, and so does any requested pin pip-audit did not report on.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.gates.locked_requirements import LockedPackage, canonical


class AuditReportError(ValueError):
    """pip-audit's JSON does not have the documented shape."""


@dataclass(frozen=True)
class Vulnerability:
    package: str
    version: str
    id: str
    fix_versions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    def describe(self) -> str:
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        fix = f"fixed in {', '.join(self.fix_versions)}" if self.fix_versions else "no fix yet"
        return f"{self.package} {self.version}: {self.id}{aliases}, {fix}"


@dataclass(frozen=True)
class Unaudited:
    package: str
    reason: str


@dataclass(frozen=True)
class AuditReport:
    audited: tuple[LockedPackage, ...]
    vulnerabilities: tuple[Vulnerability, ...]
    unaudited: tuple[Unaudited, ...]

    @property
    def total(self) -> int:
        return len(self.audited) + len(self.unaudited)


def parse(doc: object) -> AuditReport:
    """Read one pip-audit JSON document (a dict with `dependencies`)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("dependencies"), list):
        raise AuditReportError("pip-audit JSON has no `dependencies` list")
    audited: list[LockedPackage] = []
    vulns: list[Vulnerability] = []
    unaudited: list[Unaudited] = []
    for dep in doc["dependencies"]:
        if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
            raise AuditReportError(f"pip-audit JSON has a dependency without a name: {dep!r}")
        name = canonical(dep["name"])
        if "skip_reason" in dep:
            unaudited.append(Unaudited(name, str(dep["skip_reason"])))
            continue
        version = str(dep.get("version", ""))
        audited.append(LockedPackage(name, version))
        vulns.extend(_vulns(name, version, dep.get("vulns", [])))
    return AuditReport(tuple(audited), tuple(vulns), tuple(unaudited))


def _vulns(name: str, version: str, entries: object) -> list[Vulnerability]:
    if not isinstance(entries, list):
        raise AuditReportError(f"pip-audit JSON: `vulns` of {name} is not a list")
    return [
        Vulnerability(
            package=name,
            version=version,
            id=str(v.get("id", "?")),
            fix_versions=tuple(str(x) for x in v.get("fix_versions", []) or []),
            aliases=tuple(str(x) for x in v.get("aliases", []) or []),
        )
        for v in entries
        if isinstance(v, dict)
    ]


def combine(runs: Iterable[tuple[AuditReport, Iterable[LockedPackage]]]) -> AuditReport:
    """Merge the reports of several runs, each paired with the pins it was asked to audit.

    A requested pin the run did not report on counts as unaudited. Names are unique within one
    run's request (see `locked_requirements.layers`), so matching by name is exact.
    """
    audited: list[LockedPackage] = []
    vulns: list[Vulnerability] = []
    unaudited: list[Unaudited] = []
    for report, requested in runs:
        audited.extend(report.audited)
        vulns.extend(report.vulnerabilities)
        unaudited.extend(report.unaudited)
        reported = {p.name for p in report.audited} | {u.package for u in report.unaudited}
        unaudited.extend(
            Unaudited(p.name, f"not reported by pip-audit: {p.name} ({p.version})")
            for p in requested
            if p.name not in reported
        )
    return AuditReport(tuple(audited), tuple(vulns), tuple(unaudited))


# pip-audit appends ": <name> (<version>)" to a skip reason; strip it to group alike reasons.
_DEPENDENCY_SUFFIX = re.compile(r":\s*[A-Za-z0-9._-]+ \([^)]*\)\s*$")


def common_reasons(unaudited: Iterable[Unaudited]) -> list[tuple[str, int]]:
    """Skip reasons without the per-package suffix, most frequent first."""
    counts = Counter(_DEPENDENCY_SUFFIX.sub("", u.reason).strip() for u in unaudited)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def as_json(report: AuditReport, runs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The merged report written to build/reports/scan/pip-audit.json (pip-audit's shape)."""
    by_package: dict[tuple[str, str], list[Vulnerability]] = {}
    for vuln in report.vulnerabilities:
        by_package.setdefault((vuln.package, vuln.version), []).append(vuln)
    return {
        "dependencies": [
            {
                "name": p.name,
                "version": p.version,
                "vulns": [
                    {"id": v.id, "fix_versions": list(v.fix_versions), "aliases": list(v.aliases)}
                    for v in by_package.get((p.name, p.version), [])
                ],
            }
            for p in report.audited
        ]
        + [{"name": u.package, "skip_reason": u.reason} for u in report.unaudited],
        "summary": {
            "dependencies": report.total,
            "audited": len(report.audited),
            "could_not_audit": len(report.unaudited),
            "vulnerabilities": len(report.vulnerabilities),
        },
        "runs": list(runs),
    }
