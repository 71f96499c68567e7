from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.gates import pip_audit
from pipeline.gates.audit_report import AuditReport, Unaudited, Vulnerability
from pipeline.gates.locked_requirements import LockedPackage
from pipeline.gates.outcome import GateExit, GateInputError, ToolFailed, ToolNotInstalled
from tests.unit.ci.gates.conftest import FakeRunner, context, fixture_text, option

REASON = "Dependency not found on PyPI and could not be audited"
SHOWN = "build/reports/scan/pip-audit.json"
SIX = LockedPackage("six", "1.16.0")
IDNA = LockedPackage("idna", "3.10")
# Split so the repository's own secret scan does not read it as a credential.
PROXY_WITH_LOGIN = "http://user:" + "pw@proxy:3128"
VULN = Vulnerability("idna", "3.10", "GHSA-x", ("3.11",))


def skipped(name: str) -> Unaudited:
    return Unaudited(name, f"{REASON}: {name} (1.0)")


@pytest.mark.parametrize(
    ("report", "exit_code", "summary"),
    [
        (
            AuditReport((SIX, IDNA), (), ()),
            GateExit.PASSED,
            f"pip-audit: 0 known vulnerabilities in 2 audited dependencies (report: {SHOWN})",
        ),
        (
            AuditReport((SIX,), (), (skipped("idna"),)),
            GateExit.DEGRADED,
            f"pip-audit: DEGRADED: 1 of 2 dependencies could not be audited: {REASON} "
            f"(report: {SHOWN})",
        ),
        (
            AuditReport((), (), (skipped("six"), skipped("idna"))),
            GateExit.DEGRADED,
            f"pip-audit: DEGRADED: 2 of 2 dependencies could not be audited: {REASON} "
            f"(report: {SHOWN})",
        ),
        (
            AuditReport((), (), ()),
            GateExit.DEGRADED,
            "pip-audit: DEGRADED: 0 of 0 dependencies could not be audited: nothing to audit "
            f"(report: {SHOWN})",
        ),
        (
            AuditReport((SIX, IDNA), (VULN,), ()),
            GateExit.FINDINGS,
            f"pip-audit: 1 known vulnerabilities in 1 of 2 dependencies (report: {SHOWN})",
        ),
        (
            AuditReport((IDNA,), (VULN,), (skipped("six"),)),
            GateExit.FINDINGS,
            "pip-audit: 1 known vulnerabilities in 1 of 2 dependencies; 1 could not be audited "
            f"(report: {SHOWN})",
        ),
    ],
    ids=[
        "all-clean",
        "one-unaudited",
        "none-audited",
        "empty",
        "vulnerable",
        "vulnerable+unaudited",
    ],
)
def test_verdict_never_passes_unless_everything_was_audited(
    report: AuditReport, exit_code: GateExit, summary: str
) -> None:
    result = pip_audit.verdict(report, SHOWN)

    assert result.exit is exit_code
    assert result.summary == summary


def test_verdict_details_name_vulnerable_packages_with_their_lock() -> None:
    report = AuditReport((IDNA,), (VULN,), tuple(skipped(f"p{i}") for i in range(10)))

    result = pip_audit.verdict(report, SHOWN, {"idna": "uv.lock"})

    assert result.details[0] == "VULNERABLE idna 3.10: GHSA-x, fixed in 3.11 [uv.lock]"
    assert result.details[1] == f"NOT AUDITED (10) {REASON}: p0, p1, p2, p3, p4, p5, p6, p7, ..."


SECURITY_LOCK = """version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "pipeline-security-toolchain"
version = "0.1.0"
source = { virtual = "." }

[[package]]
name = "certifi"
version = "2024.8.30"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "six"
version = "1.16.0"
source = { registry = "https://pypi.org/simple" }
"""


def make_locks(repo: Path) -> None:
    (repo / "uv.lock").write_text(fixture_text("uv.lock"), encoding="utf-8")
    (repo / "ci/toolchains/security").mkdir(parents=True)
    (repo / "ci/toolchains/security/uv.lock").write_text(SECURITY_LOCK, encoding="utf-8")


def answer_with(make_doc: Callable[[list[str]], dict[str, object]], code: int = 0) -> FakeRunner:
    def script(argv: list[str], cwd: Path) -> tuple[int, str, str]:
        pins = (cwd / option(argv, "-r")).read_text(encoding="utf-8").split()
        (cwd / option(argv, "-o")).write_text(json.dumps(make_doc(pins)), encoding="utf-8")
        return (code, "", "WARNING:pip_audit._cli:--no-deps is supported")

    return FakeRunner(script)


def offline(pins: list[str]) -> dict[str, object]:
    deps = []
    for pin in pins:
        name, version = pin.split("==")
        deps.append({"name": name, "skip_reason": f"{REASON}: {name} ({version})"})
    return {"dependencies": deps, "fixes": []}


def clean(pins: list[str]) -> dict[str, object]:
    deps = [dict(zip(("name", "version"), pin.split("=="), strict=True), vulns=[]) for pin in pins]
    return {"dependencies": deps, "fixes": []}


def test_offline_machine_is_degraded_with_the_exact_count(repo: Path) -> None:
    make_locks(repo)
    runner = answer_with(offline)

    result = pip_audit.run(context(repo, runner))

    assert result.exit is GateExit.DEGRADED
    assert result.summary.startswith(
        f"pip-audit: DEGRADED: 6 of 6 dependencies could not be audited: {REASON}"
    )
    # the git-sourced package of uv.lock is counted, never dropped
    assert any("private-tool" in d for d in result.details)
    written = json.loads((repo / "build/reports/scan/pip-audit.json").read_text())
    assert written["summary"]["could_not_audit"] == 6
    assert len(written["runs"]) == 2


def test_each_run_audits_exact_pins_offline_safe_with_names_unique(repo: Path) -> None:
    make_locks(repo)
    runner = answer_with(clean)

    result = pip_audit.run(context(repo, runner))

    assert result.exit is GateExit.DEGRADED  # private-tool (git source) cannot be audited
    assert len(runner.calls) == 2  # numpy is pinned twice: two requirement sets
    first = runner.calls[0]
    assert {"--no-deps", "--disable-pip"} <= set(first)
    assert option(first, "-f") == "json"
    pins = (repo / option(first, "-r")).read_text().split()
    assert pins == ["certifi==2024.8.30", "numpy==2.4.6", "ruamel-yaml==0.18.6", "six==1.16.0"]
    assert (repo / option(runner.calls[1], "-r")).read_text().split() == ["numpy==2.5.5"]


def test_all_audited_and_clean_passes(repo: Path) -> None:
    make_locks(repo)
    lock = (repo / "uv.lock").read_text().split('[[package]]\nname = "private-tool"')[0]
    (repo / "uv.lock").write_text(lock, encoding="utf-8")

    result = pip_audit.run(context(repo, answer_with(clean)))

    assert result.exit is GateExit.PASSED
    assert result.summary.startswith("pip-audit: 0 known vulnerabilities in 5 audited dependencies")


def test_vulnerability_fails_and_names_the_advisory(repo: Path) -> None:
    make_locks(repo)

    def vulnerable(pins: list[str]) -> dict[str, object]:
        doc = clean(pins)
        for dep in doc["dependencies"]:  # type: ignore[attr-defined]
            if dep["name"] in ("six", "numpy", "certifi"):
                dep["vulns"] = [{"id": "PYSEC-2099-1", "fix_versions": ["9"], "aliases": []}]
        return doc

    result = pip_audit.run(context(repo, answer_with(vulnerable, code=1)))

    assert result.exit is GateExit.FINDINGS
    assert [d for d in result.details if d.startswith("VULNERABLE")] == [
        "VULNERABLE certifi 2024.8.30: PYSEC-2099-1, fixed in 9 "
        "[uv.lock, ci/toolchains/security/uv.lock]",
        "VULNERABLE numpy 2.4.6: PYSEC-2099-1, fixed in 9 [uv.lock]",
        "VULNERABLE six 1.16.0: PYSEC-2099-1, fixed in 9 [ci/toolchains/security/uv.lock]",
        "VULNERABLE numpy 2.5.5: PYSEC-2099-1, fixed in 9 [uv.lock]",
    ]


def test_missing_lock_is_a_config_error(repo: Path) -> None:
    with pytest.raises(GateInputError, match=r"lock file uv\.lock is missing"):
        pip_audit.run(context(repo, FakeRunner()))


def test_tool_crash_is_an_error(repo: Path) -> None:
    make_locks(repo)
    runner = FakeRunner(lambda argv, cwd: (2, "", "error: requirement six is not pinned"))

    with pytest.raises(ToolFailed, match="not pinned"):
        pip_audit.run(context(repo, runner))


def test_garbled_output_is_an_error(repo: Path) -> None:
    make_locks(repo)

    def script(argv: list[str], cwd: Path) -> tuple[int, str, str]:
        (cwd / option(argv, "-o")).write_text("{", encoding="utf-8")
        return (0, "", "")

    with pytest.raises(ToolFailed, match="unreadable report"):
        pip_audit.run(context(repo, FakeRunner(script)))


def test_missing_tool_says_what_to_install(repo: Path) -> None:
    with pytest.raises(ToolNotInstalled, match="pip-audit is not installed"):
        pip_audit.run(context(repo, FakeRunner(installed=())))


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (
            fixture_text("pip_audit_tls_failure.stderr"),
            "vulnerability service unreachable (pypi.org): requests.exceptions.SSLError",
        ),
        (
            "requests.exceptions.ConnectionError: Pool(host='api.osv.dev', port=443)",
            "vulnerability service unreachable (api.osv.dev): requests.exceptions.ConnectionError",
        ),
        (
            f"requests.exceptions.ProxyError: ('Cannot connect to proxy.', {PROXY_WITH_LOGIN})",
            "vulnerability service unreachable: requests.exceptions.ProxyError",
        ),
        ("ValueError: requirement six is not pinned", None),
        ("", None),
    ],
    ids=["tls", "connection", "proxy-credentials-dropped", "other-crash", "silent"],
)
def test_network_failure_is_recognised_from_the_traceback(stderr: str, reason: str | None) -> None:
    assert pip_audit.network_failure(stderr) == reason
    assert PROXY_WITH_LOGIN not in (reason or "")


def test_unreachable_service_is_degraded_not_an_error(repo: Path) -> None:
    make_locks(repo)
    tls = fixture_text("pip_audit_tls_failure.stderr")
    runner = FakeRunner(lambda argv, cwd: (1, "", tls))

    result = pip_audit.run(context(repo, runner))

    assert result.exit is GateExit.DEGRADED
    assert result.summary.startswith(
        "pip-audit: DEGRADED: 6 of 6 dependencies could not be audited: "
        "vulnerability service unreachable (pypi.org): requests.exceptions.SSLError"
    )
