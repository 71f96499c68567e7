"""The rollout record's item mapping: every field survives the round trip."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from infra.config.rollout import MetricName
from infra.rollout.analysis import Measurement, Phase
from infra.rollout.record import (
    Kind,
    Request,
    RequestKind,
    RolloutRecord,
    Status,
    StepOutcome,
    from_item,
    to_item,
)
from tests.unit.infra.rollout.conftest import record_for, small_plan
from tests.unit.infra.rollout.fakes import T0

M = Measurement(1, MetricName.ERROR_RATE, "router", Phase.FAILED, 0.3, 0.05, 40, T0, "12/40")
NONE = Measurement(1, MetricName.P95_LATENCY_MS, "emf", Phase.ERROR, None, 1e4, None, T0, "down")
FULL = replace(
    record_for(small_plan(watch=2)),
    kind=Kind.HOTFIX,
    reason="CVE fix",
    backup_arn="arn:aws:dynamodb:eu-west-1:1:table/t/backup/1",
    probe_url="http://127.0.0.1:8081",
    status=Status.ROLLED_BACK,
    step_index=2,
    step_started_at=T0 + timedelta(seconds=5),
    weight=10,
    measurements=(M, NONE),
    steps_done=(StepOutcome(0, "set weight 10%", "weight 10%", None, T0),),
    pause_reason="",
    verdict="Failed",
    verdict_message="error_rate (router): 1 failed > failure_limit 0",
    cause=(M,),
    requests=(Request(RequestKind.ABORT, "oscar", T0),),
    handled_requests=1,
    notes=("notification rollout.started (INFO) failed: down",),
    run_token="tok",  # pragma: allowlist secret
    revision=7,
    heartbeat_at=T0 + timedelta(minutes=3),
    finished_at=T0 + timedelta(minutes=4),
)


@pytest.mark.parametrize("record", [record_for(small_plan()), FULL])
def test_round_trip(record: RolloutRecord) -> None:
    assert from_item(to_item(record)) == record


def test_keys_follow_the_records_contract() -> None:
    item = to_item(FULL)
    assert item["pk"] == {"S": "prod"}
    assert item["sk"] == {"S": "rollout#2026-03-01T09:00:00.000000+00:00#r1"}
    assert item["schema_version"] == {"N": "1"}
    assert item["requested_by"] == {"S": "rita"}
    assert item["backup_arn"]["S"].startswith("arn:aws:dynamodb")


def test_pending_request_is_the_first_unhandled_one() -> None:
    two = (Request(RequestKind.PROMOTE, "a", T0), Request(RequestKind.ABORT, "b", T0))
    assert replace(FULL, requests=two, handled_requests=0).pending_request == two[0]
    assert replace(FULL, requests=two, handled_requests=1).pending_request == two[1]
    assert replace(FULL, requests=two, handled_requests=2).pending_request is None
