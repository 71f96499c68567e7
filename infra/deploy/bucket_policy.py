"""The artifact bucket's required security settings, the reports bucket's: what a bucket falls
short of (pure), and the TLS-only bucket policy statement."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from infra.aws.s3 import BucketState

TLS_ONLY_SID = "DenyInsecureTransport"  # the reports bucket's statement (infra/templates)


class BucketFix(StrEnum):
    """One way the artifact bucket falls short of the reports bucket's policy."""

    BLOCK_PUBLIC_ACCESS = "block all public access"
    ENABLE_VERSIONING = "enable versioning"
    ENCRYPT = "encrypt new objects by default (SSE-S3)"
    ENFORCE_OWNERSHIP = "enforce bucket-owner object ownership (ACLs off)"
    REQUIRE_TLS = "deny every request without TLS (bucket policy)"


NEW_BUCKET = BucketState(False, "", False, False, None)  # what a bucket we create starts as


def bucket_fixes(state: BucketState, *, on_emulator: bool) -> tuple[BucketFix, ...]:
    """What must change for the bucket to meet the policy (empty: it already does). The local
    emulator serves plain HTTP, so there a TLS-only policy would lock the deployer out: it is
    never required there (the deployer says so)."""
    wanted = (
        (BucketFix.BLOCK_PUBLIC_ACCESS, state.public_access_blocked),
        (BucketFix.ENABLE_VERSIONING, state.versioning == "Enabled"),
        (BucketFix.ENCRYPT, state.encrypted),
        (BucketFix.ENFORCE_OWNERSHIP, state.ownership_enforced),
        (BucketFix.REQUIRE_TLS, on_emulator or denies_insecure_transport(state.policy)),
    )
    return tuple(fix for fix, met in wanted if not met)


def denies_insecure_transport(policy: Mapping[str, Any] | None) -> bool:
    """True when the policy denies every action to everyone unless the request used TLS."""
    statements = (policy or {}).get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        condition = statement.get("Condition", {}).get("Bool", {})
        if (
            statement.get("Effect") == "Deny"
            and statement.get("Principal") in ("*", {"AWS": "*"})
            and "s3:*" in ([actions] if isinstance(actions, str) else actions)
            and str(condition.get("aws:SecureTransport", "")).lower() == "false"
        ):
            return True
    return False


def tls_only_policy(
    bucket: str, partition: str, existing: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The existing policy (statements kept) plus the reports bucket's TLS-only statement."""
    arn = f"arn:{partition}:s3:::{bucket}"
    statement = {
        "Sid": TLS_ONLY_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    kept = [s for s in (existing or {}).get("Statement", []) if s.get("Sid") != TLS_ONLY_SID]
    return {"Version": "2012-10-17", "Statement": [*kept, statement]}
