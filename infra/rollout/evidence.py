"""EvidencePort over the deployment records (`deploy#` items): what staging's records say about
a digest. The smoke step notes its result on the deployment record (`smoke passed at …`, or
`smoke failed at …` with the record marked failed); a record without a note has no smoke
result, and the gate reports that as missing rather than guessing green."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from infra.deploy.promotion_source import SMOKE_FAILED, SMOKE_PASSED
from infra.deploy.records import DeploymentRecord, Outcome
from infra.rollout.ports import Evidence, Verdict


class HistoryPort(Protocol):
    """infra.deploy.records.RecordStore, as far as evidence needs it."""

    def history(self, limit: int = 20) -> list[DeploymentRecord]: ...


class DeployRecordEvidence:
    def __init__(
        self,
        histories: Mapping[str, HistoryPort],  # env -> its records
        artifact_exists: Callable[[str], bool] = lambda digest: False,
        depth: int = 200,
    ) -> None:
        self._histories = histories
        self._artifact_exists = artifact_exists
        self._depth = depth

    def known(self, digest: str) -> bool:
        if self._artifact_exists(digest):
            return True
        return any(r.digest == digest for env in self._histories for r in self._records(env))

    def staging_deploy(self, digest: str) -> Evidence:
        record = self._latest("staging", digest)
        if record is None:
            return Evidence("staging deploy", Verdict.MISSING, f"{digest[:12]} never deployed")
        green = record.outcome in (Outcome.SUCCEEDED, Outcome.NO_CHANGE)
        detail = f"deployment {record.deployment_id} {record.outcome.value}"
        if record.outcome is Outcome.FAILED and record.error:
            detail += f": {record.error}"
        return Evidence("staging deploy", Verdict.GREEN if green else Verdict.RED, detail,
                        record.finished_at or record.started_at)  # fmt: skip

    def staging_smoke(self, digest: str) -> Evidence:
        record = self._latest("staging", digest)
        if record is None:
            return Evidence("staging smoke", Verdict.MISSING, "no staging deployment")
        notes = [n for n in record.notes if n.startswith((SMOKE_PASSED, SMOKE_FAILED))]
        if notes and notes[-1].startswith(SMOKE_PASSED):
            return Evidence("staging smoke", Verdict.GREEN, notes[-1])
        if notes or record.error.startswith("smoke tests failed"):
            return Evidence("staging smoke", Verdict.RED, notes[-1] if notes else record.error)
        return Evidence(
            "staging smoke",
            Verdict.MISSING,
            f"deployment {record.deployment_id} has no smoke result; run `pipeline smoke "
            "--env staging`",
        )

    def _latest(self, env: str, digest: str) -> DeploymentRecord | None:
        return next((r for r in self._records(env) if r.digest == digest), None)

    def _records(self, env: str) -> list[DeploymentRecord]:
        store = self._histories.get(env)
        return store.history(self._depth) if store is not None else []
