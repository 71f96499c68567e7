"""The promotion gate's evidence, bound to the release records: staging's deployment records
(deploy outcome and the smoke step's note), its perf records (`infra.perf.records`), and the
artifact bucket (a digest uploaded there is known even before any record names it)."""

from __future__ import annotations

from collections.abc import Callable

from infra.aws.clients import AwsClients
from infra.aws.items import ItemTable
from infra.aws.s3 import Buckets
from infra.config.model import EnvironmentConfig
from infra.deploy.promotion_source import PREVIOUS
from infra.deploy.records import RecordStore
from infra.perf.records import PerfRecords
from infra.rollout.evidence import DeployRecordEvidence, HistoryPort
from infra.rollout.ports import Evidence, Verdict
from infra.templates.contract import artifact_key

STAGING = "staging"


class PerfVerdicts:
    """`PerfRecords` port: the newest perf run of the digest in an environment decides."""

    def __init__(self, records_for: Callable[[str], PerfRecords]) -> None:
        self._records_for = records_for

    def verdict(self, env: str, digest: str) -> Evidence:
        what = f"{env} perf"
        runs = [r for r in self._records_for(env).history(limit=None) if r.digest == digest]
        if not runs:
            return Evidence(what, Verdict.MISSING, f"no perf run of {digest[:12]} in {env}")
        newest = runs[0]
        detail = f"run {newest.run_id}: {newest.verdict.value}, {newest.requests} requests"
        if newest.findings:
            detail += f" ({newest.findings[0]})"
        verdict = Verdict.GREEN if newest.green else Verdict.RED
        return Evidence(what, verdict, detail, newest.finished_at)


def release_evidence(
    clients: AwsClients, configs: Callable[[str], EnvironmentConfig], env: str, account_id: str
) -> DeployRecordEvidence:
    """What the previous environment's records say (staging, for prod), and whether its
    artifact bucket holds the digest (then it is known even if no record names it)."""
    previous = configs(PREVIOUS.get(env, STAGING))
    table = ItemTable(clients, previous.names.deployments_table)
    bucket = previous.names.artifact_bucket(account_id, previous.region)
    buckets = Buckets(clients)

    def uploaded(digest: str) -> bool:
        return buckets.exists(bucket) and buckets.has_object(bucket, artifact_key(digest))

    histories: dict[str, HistoryPort] = (
        {previous.name: RecordStore(table, previous.name)} if table.exists() else {}
    )
    return DeployRecordEvidence(histories, uploaded)


def perf_verdicts(clients: AwsClients, configs: Callable[[str], EnvironmentConfig]) -> PerfVerdicts:
    return PerfVerdicts(
        lambda env: PerfRecords(ItemTable(clients, configs(env).names.deployments_table), env)
    )
