"""Build once, promote the digest: which record is green, and fetching by digest (checked)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.deploy.errors import DigestMismatch
from infra.deploy.promotion_source import (
    NoGreenDigest,
    fetch_by_digest,
    green_record,
    is_green,
    smoke_result,
)
from infra.deploy.records import DeploymentRecord, Outcome
from infra.errors import exit_code_for
from infra.templates.contract import artifact_key

T = datetime(2026, 1, 2, tzinfo=UTC)


def rec(digest: str, outcome: Outcome, *notes: str, dep: str = "d-1") -> DeploymentRecord:
    return DeploymentRecord(dep, "staging", "local", digest, "c" * 40, "ci", T, outcome,
                            notes=notes)  # fmt: skip


@pytest.mark.parametrize(
    ("outcome", "notes", "green"),
    [
        (Outcome.SUCCEEDED, ("smoke passed at t",), True),
        (Outcome.NO_CHANGE, ("smoke passed at t",), True),
        (Outcome.SUCCEEDED, (), False),  # never smoke-tested: not green
        (Outcome.SUCCEEDED, ("smoke passed at t1", "smoke failed at t2"), False),  # last wins
        (Outcome.SUCCEEDED, ("smoke failed at t1", "smoke passed at t2"), True),
        (Outcome.FAILED, ("smoke passed at t",), False),
        (Outcome.IN_PROGRESS, ("smoke passed at t",), False),
    ],
)
def test_green_means_deployed_and_the_last_smoke_passed(
    outcome: Outcome, notes: tuple[str, ...], green: bool
) -> None:
    assert is_green(rec("a" * 64, outcome, *notes)) is green


def test_smoke_result_ignores_other_notes() -> None:
    assert smoke_result(rec("a" * 64, Outcome.SUCCEEDED, "verified")) is None
    record = rec("a" * 64, Outcome.SUCCEEDED, "smoke passed at t", "verified")
    assert smoke_result(record) == "smoke passed at t"


def test_the_newest_green_record_is_chosen() -> None:
    records = [
        rec("b" * 64, Outcome.SUCCEEDED, dep="d-3"),
        rec("a" * 64, Outcome.SUCCEEDED, "smoke passed at t", dep="d-2"),
        rec("9" * 64, Outcome.SUCCEEDED, "smoke passed at t", dep="d-1"),
    ]
    assert green_record("staging", records).deployment_id == "d-2"


@pytest.mark.parametrize(
    ("records", "says"),
    [
        ([], "it has no deployment records"),
        ([rec("b" * 64, Outcome.FAILED, "smoke failed at t", dep="d-9")],
         "latest deployment d-9 (bbbbbbbbbbbb) is failed with smoke failed at t"),
        ([rec("b" * 64, Outcome.SUCCEEDED, dep="d-9")], "succeeded with no smoke result"),
    ],
)  # fmt: skip
def test_no_green_record_is_a_usage_error_saying_why(
    records: list[DeploymentRecord], says: str
) -> None:
    with pytest.raises(NoGreenDigest, match=r"staging has no green deployment") as caught:
        green_record("staging", records)
    assert says in str(caught.value)
    assert "pipeline smoke --env staging" in str(caught.value)
    assert exit_code_for(caught.value) == 2


class Objects:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.asked: list[tuple[str, str]] = []

    def get(self, bucket: str, key: str) -> bytes:
        self.asked.append((bucket, key))
        return self.data


def test_fetch_by_digest_writes_the_checked_bytes(tmp_path: Path) -> None:
    data = b"zip bytes"
    digest = hashlib.sha256(data).hexdigest()
    reader = Objects(data)
    path = fetch_by_digest(reader, "staging-artifacts", digest, tmp_path / "promoted")
    assert path == tmp_path / "promoted" / f"{digest}.zip"
    assert path.read_bytes() == data
    assert reader.asked == [("staging-artifacts", artifact_key(digest))]


def test_fetch_by_digest_refuses_other_bytes_and_writes_nothing(tmp_path: Path) -> None:
    digest = "a" * 64
    with pytest.raises(DigestMismatch, match=f"s3://bucket/{artifact_key(digest)}"):
        fetch_by_digest(Objects(b"other"), "bucket", digest, tmp_path / "promoted")
    assert not (tmp_path / "promoted").exists()
