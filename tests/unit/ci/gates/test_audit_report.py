from __future__ import annotations

import json

import pytest

from pipeline.gates import audit_report
from pipeline.gates.audit_report import AuditReportError, Unaudited
from pipeline.gates.locked_requirements import LockedPackage
from tests.unit.ci.gates.conftest import fixture_text

OFFLINE_REASON = "Dependency not found on PyPI and could not be audited"


def load(name: str) -> audit_report.AuditReport:
    return audit_report.parse(json.loads(fixture_text(name)))


def test_recorded_offline_run_audits_nothing() -> None:
    report = load("pip_audit_offline.json")

    assert report.audited == ()
    assert report.vulnerabilities == ()
    assert report.total == 3
    assert report.unaudited[0] == Unaudited("requests", f"{OFFLINE_REASON}: requests (2.31.0)")
    assert audit_report.common_reasons(report.unaudited) == [(OFFLINE_REASON, 3)]


def test_vulnerable_sample_lists_each_advisory_with_fix_and_aliases() -> None:
    report = load("pip_audit_vulnerable.json")

    assert len(report.audited) == 3
    assert [v.describe() for v in report.vulnerabilities] == [
        "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (CVE-2024-22195), fixed in 3.1.3",
        "jinja2 3.1.2: GHSA-h75v-3vvj-5mfj (CVE-2024-34064), fixed in 3.1.4",
    ]
    assert report.unaudited == (Unaudited("pyyaml", f"{OFFLINE_REASON}: pyyaml (6.0.2)"),)


def test_vulnerability_without_fix_says_so() -> None:
    vuln = audit_report.Vulnerability("x", "1.0", "PYSEC-1")

    assert vuln.describe() == "x 1.0: PYSEC-1, no fix yet"


@pytest.mark.parametrize(
    "doc",
    [[], {}, {"dependencies": {}}, {"dependencies": [{"version": "1"}]},
     {"dependencies": [{"name": "x", "version": "1", "vulns": {}}]}],
)  # fmt: skip
def test_malformed_json_is_rejected(doc: object) -> None:
    with pytest.raises(AuditReportError):
        audit_report.parse(doc)


def test_combine_counts_pins_a_run_did_not_report_as_unaudited() -> None:
    clean = load("pip_audit_clean.json")
    asked = [
        LockedPackage("certifi", "2024.8.30"),
        LockedPackage("idna", "3.10"),
        LockedPackage("urllib3", "2.2.3"),
        LockedPackage("six", "1.16.0"),
    ]
    second = audit_report.parse({"dependencies": []})

    merged = audit_report.combine([(clean, asked), (second, [LockedPackage("idna", "2.0")])])

    assert len(merged.audited) == 3
    assert merged.unaudited == (
        Unaudited("six", "not reported by pip-audit: six (1.16.0)"),
        Unaudited("idna", "not reported by pip-audit: idna (2.0)"),
    )
    assert audit_report.common_reasons(merged.unaudited) == [("not reported by pip-audit", 2)]


def test_merged_json_keeps_pip_audit_shape_and_adds_a_summary() -> None:
    report = load("pip_audit_vulnerable.json")

    doc = audit_report.as_json(report, [{"requirements": "r.txt", "exit_code": 1}])

    assert doc["summary"] == {
        "dependencies": 4,
        "audited": 3,
        "could_not_audit": 1,
        "vulnerabilities": 2,
    }
    assert [len(d.get("vulns", [])) for d in doc["dependencies"]] == [2, 0, 0, 0]
    assert doc["dependencies"][-1] == {
        "name": "pyyaml",
        "skip_reason": f"{OFFLINE_REASON}: pyyaml (6.0.2)",
    }
    assert audit_report.parse(doc) == report
