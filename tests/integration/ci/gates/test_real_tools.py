"""The gates against the real scanners of the security toolchain, on tiny trees."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipeline.gates import bandit, iac, pip_audit, secret_scan, workflows
from pipeline.gates.context import GateContext
from pipeline.gates.outcome import GateExit
from pipeline.gates.tool_runner import SubprocessRunner

# Built at runtime so the repository's own secret scan does not flag this test file.
FAKE_AWS_KEY = "AKIA" + "IOSFODNN7" + "EXAMPLE"


@pytest.fixture
def real(security_bin: Path, repo: Path) -> GateContext:
    # No GitHub token (and no GitHub from these machines): zizmor runs its offline audits only.
    return GateContext(repo=repo, runner=SubprocessRunner([security_bin]), environ={})


def write(repo: Path, path: str, text: str) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def test_bandit_blocks_shell_injection_and_writes_sarif(real: GateContext) -> None:
    write(real.repo, "pyproject.toml", "[tool.bandit]\nexclude_dirs = ['tests']\n")
    write(
        real.repo,
        "app/run.py",
        "import subprocess\n\ndef go(cmd):\n    subprocess.call(cmd, shell=True)\n",
    )

    result = bandit.run(real)

    assert result.exit is GateExit.FINDINGS
    assert any(d.startswith("BLOCKING app/run.py:4: B602") for d in result.details)
    assert json.loads((real.repo / "build/reports/scan/bandit.sarif").read_text())["runs"]


def test_bandit_passes_clean_code(real: GateContext) -> None:
    write(real.repo, "app/ok.py", "def add(a: int, b: int) -> int:\n    return a + b\n")

    result = bandit.run(real)

    assert result.exit is GateExit.PASSED
    assert result.summary.startswith("bandit: 0 findings")


LOCK = """version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "{project}"
version = "0.1.0"
source = {{ virtual = "." }}

[[package]]
name = "jinja2"
version = "3.1.2"
source = {{ registry = "https://pypi.org/simple" }}
"""


def test_pip_audit_never_passes_a_known_vulnerable_pin(real: GateContext) -> None:
    write(real.repo, "uv.lock", LOCK.format(project="demo"))
    write(real.repo, "ci/toolchains/security/uv.lock", LOCK.format(project="tools"))

    result = pip_audit.run(real)

    # jinja2 3.1.2 has published advisories: with an index it fails; offline it is DEGRADED.
    assert result.exit in (GateExit.FINDINGS, GateExit.DEGRADED), result.summary
    report = json.loads((real.repo / "build/reports/scan/pip-audit.json").read_text())
    assert report["summary"]["dependencies"] == 1
    if result.exit is GateExit.DEGRADED:
        assert "1 of 1 dependencies could not be audited" in result.summary


def test_pip_audit_with_unreachable_service_is_degraded(
    real: GateContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(real.repo, "uv.lock", LOCK.format(project="demo"))
    write(real.repo, "ci/toolchains/security/uv.lock", LOCK.format(project="tools"))
    write(real.repo, "not-a-ca-bundle.pem", "no certificates here\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(real.repo / "not-a-ca-bundle.pem"))

    result = pip_audit.run(real)

    assert result.exit is GateExit.DEGRADED, result.summary
    assert "1 of 1 dependencies could not be audited: vulnerability service unreachable" in (
        result.summary
    )


def baseline_for(real: GateContext) -> None:
    detect = real.runner.which("detect-secrets")
    assert detect is not None
    made = real.runner.run([detect, "scan", "no-such-file"], real.repo)
    write(real.repo, secret_scan.BASELINE, made.stdout)


@pytest.mark.parametrize("with_git", [True, False])
def test_planted_aws_key_is_found_without_printing_it(real: GateContext, with_git: bool) -> None:
    write(real.repo, "app/settings.py", "REGION = 'eu-west-1'\n")
    write(real.repo, "app/leak.py", f"# config\nKEY_ID = '{FAKE_AWS_KEY}'\n")
    write(real.repo, "build/out.txt", f"{FAKE_AWS_KEY}\n")  # excluded build output
    if with_git:
        write(real.repo, ".gitignore", "ignored.txt\n")
        write(real.repo, "ignored.txt", f"{FAKE_AWS_KEY}\n")
        subprocess.run(["git", "init", "-q"], cwd=real.repo, check=True)
        subprocess.run(["git", "add", "app/settings.py"], cwd=real.repo, check=True)
    baseline_for(real)

    result = secret_scan.run(real)

    assert result.exit is GateExit.FINDINGS
    new = [d for d in result.details if d.startswith("NEW SECRET")]
    assert new == ["NEW SECRET app/leak.py:2: AWS Access Key"]
    report = (real.repo / "build/reports/scan/secrets.json").read_text()
    assert FAKE_AWS_KEY not in report + "\n".join(result.details) + result.summary


def test_secret_in_baseline_passes(real: GateContext) -> None:
    write(real.repo, "app/leak.py", f"KEY_ID = '{FAKE_AWS_KEY}'\n")
    detect = real.runner.which("detect-secrets")
    assert detect is not None
    made = real.runner.run([detect, "scan", "app/leak.py"], real.repo)
    write(real.repo, secret_scan.BASELINE, made.stdout)
    write(real.repo, "app/leak.py", f"# moved down a line\nKEY_ID = '{FAKE_AWS_KEY}'\n")

    result = secret_scan.run(real)

    assert result.exit is GateExit.PASSED, result.details
    assert "1 known in .secrets.baseline" in result.summary
    assert json.loads((real.repo / secret_scan.BASELINE).read_text()) == json.loads(made.stdout)


BAD_WORKFLOW = """on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""
GOOD_WORKFLOW = """name: ci
on:
  pull_request:
permissions: {}
jobs:
  build:
    name: build
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - run: echo hi
"""


@pytest.mark.parametrize(
    ("text", "exit_code"),
    # offline, a clean workflow is only partly audited: degraded, never a pass
    [(BAD_WORKFLOW, GateExit.FINDINGS), (GOOD_WORKFLOW, GateExit.DEGRADED)],
    ids=["insecure", "hardened-offline"],
)
def test_zizmor_judges_workflows(real: GateContext, text: str, exit_code: GateExit) -> None:
    write(real.repo, ".github/workflows/ci.yml", text)

    result = workflows.run(real)

    assert result.exit is exit_code, result.details
    sarif = json.loads((real.repo / "build/reports/scan/zizmor.sarif").read_text())
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert uris <= {".github/workflows/ci.yml"}
    if exit_code is GateExit.FINDINGS:
        assert any("template-injection" in d for d in result.details)
    else:
        assert "offline audits only" in result.summary


TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Metadata": {
                "checkov": {
                    "skip": [{"id": "CKV_AWS_119", "comment": "AWS-owned key is enough here"}]
                }
            },
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            },
        }
    },
}


@pytest.mark.slow
def test_checkov_fails_a_table_without_pitr_and_honours_a_justified_skip(
    real: GateContext,
) -> None:
    write(real.repo, "build/synth/dev/template.json", json.dumps(TEMPLATE, indent=2))

    result = iac.run(real)

    assert result.exit is GateExit.FINDINGS
    assert any(d.startswith("FAILED CKV_AWS_28 ") for d in result.details)
    assert (
        "suppressed CKV_AWS_119 on AWS::DynamoDB::Table.Table (dev): AWS-owned key is enough here"
        in (result.details)
    )
    assert (real.repo / "build/reports/scan/checkov.sarif").is_file()
