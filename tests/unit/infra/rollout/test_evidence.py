"""Evidence from the deployment records: what staging says about a digest."""

from __future__ import annotations

from dataclasses import replace

import pytest

from infra.deploy.records import DeploymentRecord, Outcome
from infra.rollout.evidence import DeployRecordEvidence
from infra.rollout.ports import Verdict
from tests.unit.infra.rollout.fakes import DIGEST, OLD_DIGEST, T0

BASE = DeploymentRecord("d-1", "staging", "aws", DIGEST, "c0ffee", "ci", T0, Outcome.SUCCEEDED)


class History:
    def __init__(self, *records: DeploymentRecord) -> None:
        self.records = list(records)

    def history(self, limit: int = 20) -> list[DeploymentRecord]:
        return self.records[:limit]


def evidence(*records: DeploymentRecord) -> DeployRecordEvidence:
    return DeployRecordEvidence({"staging": History(*records), "dev": History()})


@pytest.mark.parametrize(
    ("record", "deploy", "smoke"),
    [
        (replace(BASE, notes=("smoke passed at 09:05",)), Verdict.GREEN, Verdict.GREEN),
        (BASE, Verdict.GREEN, Verdict.MISSING),
        (replace(BASE, outcome=Outcome.NO_CHANGE, notes=("smoke passed",)), Verdict.GREEN,
         Verdict.GREEN),
        (replace(BASE, outcome=Outcome.FAILED, error="smoke tests failed against http://x",
                 notes=("smoke failed at 2026-03-01T09:05:00",)), Verdict.RED, Verdict.RED),
        (replace(BASE, outcome=Outcome.FAILED, error="stack: Table failed"), Verdict.RED,
         Verdict.MISSING),
        (replace(BASE, outcome=Outcome.IN_PROGRESS), Verdict.RED, Verdict.MISSING),
    ],
)  # fmt: skip
def test_the_newest_staging_record_of_the_digest_decides(
    record: DeploymentRecord, deploy: Verdict, smoke: Verdict
) -> None:
    older_green = replace(BASE, deployment_id="d-0", notes=("smoke passed",))
    found = evidence(record, older_green)
    assert found.staging_deploy(DIGEST).verdict is deploy
    assert found.staging_smoke(DIGEST).verdict is smoke


def test_a_digest_never_deployed_to_staging_is_missing() -> None:
    found = evidence(BASE)
    assert found.staging_deploy(OLD_DIGEST).verdict is Verdict.MISSING
    assert "never deployed" in found.staging_deploy(OLD_DIGEST).detail


def test_known_from_any_record_or_the_artifact_store() -> None:
    assert evidence(BASE).known(DIGEST)
    assert not evidence(BASE).known(OLD_DIGEST)
    stored = DeployRecordEvidence({}, artifact_exists=lambda d: d == OLD_DIGEST)
    assert stored.known(OLD_DIGEST)
