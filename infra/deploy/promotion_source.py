"""Build once, promote the digest: an environment after dev deploys the digest its previous
environment recorded as green (deployed, then smoke-tested), fetched by that digest from the
previous environment's artifact bucket, never rebuilt. The smoke step's notes are the evidence
(`smoke passed at …` / `smoke failed at …`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from infra.deploy.errors import DeployUsageError, DigestMismatch
from infra.deploy.records import DeploymentRecord, Outcome
from infra.templates.contract import artifact_key

# Where each environment's release comes from (dev deploys the build itself).
PREVIOUS: Mapping[str, str] = {"staging": "dev", "prod": "staging"}
SMOKE_PASSED = "smoke passed"
SMOKE_FAILED = "smoke failed"
# Where fetched artifacts land: one zip per digest, beside (not in) the build's own folder.
PROMOTED_DIR = Path("build/promoted")


class NoGreenDigest(DeployUsageError):
    """The previous environment has no deployment that passed its smoke tests."""


class ObjectReader(Protocol):
    """infra.aws.s3.Buckets, as far as fetching an artifact needs it."""

    def get(self, bucket: str, key: str) -> bytes: ...


def smoke_result(record: DeploymentRecord) -> str | None:
    """The record's last smoke note (`smoke passed at …`), or None when smoke never ran."""
    notes = [n for n in record.notes if n.startswith((SMOKE_PASSED, SMOKE_FAILED))]
    return notes[-1] if notes else None


def is_green(record: DeploymentRecord) -> bool:
    """Deployed (or already there) and its last smoke run passed."""
    result = smoke_result(record)
    ok = record.outcome in (Outcome.SUCCEEDED, Outcome.NO_CHANGE)
    return ok and result is not None and result.startswith(SMOKE_PASSED)


def green_record(env: str, records: Sequence[DeploymentRecord]) -> DeploymentRecord:
    """The newest green deployment of `env` (records newest first); NoGreenDigest otherwise."""
    for record in records:
        if is_green(record):
            return record
    latest = records[0] if records else None
    why = (
        "it has no deployment records"
        if latest is None
        else f"its latest deployment {latest.deployment_id} ({latest.digest[:12]}) is "
        f"{latest.outcome.value} with {smoke_result(latest) or 'no smoke result'}"
    )
    raise NoGreenDigest(
        f"{env} has no green deployment to promote ({why}): release it first "
        f"(`pipeline deploy --env {env}`, then `pipeline smoke --env {env}`)"
    )


def fetch_by_digest(reader: ObjectReader, bucket: str, digest: str, dest_dir: Path) -> Path:
    """Download `lambda/<digest>.zip` from `bucket` into `dest_dir/<digest>.zip`, its sha256
    checked (DigestMismatch: the store holds other bytes under that name)."""
    data = reader.get(bucket, artifact_key(digest))
    actual = hashlib.sha256(data).hexdigest()
    location = f"s3://{bucket}/{artifact_key(digest)}"
    if actual != digest:
        raise DigestMismatch(location, digest, actual)
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / f"{digest}.zip"
    path.write_bytes(data)
    return path
