"""The local prod's decisions: which digest is live per the records, which versions a
promotion starts (the router in front of the first), where they are written down."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from infra.rollout.binding.app_versions import FaultDrill, version_settings
from infra.rollout.binding.local_prod import (
    ProcessInstances,
    RouterFile,
    live_digest,
    read_router_file,
    version_digests,
    write_router_file,
)
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.router.config import Endpoint
from infra.rollout.shifters.haproxy import AppInstance
from tests.unit.infra.rollout.conftest import record_for, small_plan

A, B, C = "a" * 64, "b" * 64, "c" * 64


def rec(digest: str, stable: str, status: Status, rid: str = "r") -> RolloutRecord:
    base = record_for(small_plan(), rid)
    return replace(base, digest=digest, stable_version=stable, canary_version=digest[:12],
                   status=status)  # fmt: skip


@pytest.mark.parametrize(
    ("history", "live"),
    [
        ([], None),
        ([rec(A, "", Status.SUCCEEDED)], A),  # the first release
        ([rec(B, A[:12], Status.SUCCEEDED), rec(A, "", Status.SUCCEEDED)], B),
        ([rec(B, A[:12], Status.ROLLED_BACK), rec(A, "", Status.SUCCEEDED)], A),
        ([rec(B, A[:12], Status.RUNNING), rec(A, "", Status.SUCCEEDED)], A),
        ([rec(B, A[:12], Status.PAUSED), rec(A, "", Status.SUCCEEDED)], A),
        (
            [
                rec(C, B[:12], Status.ROLLED_BACK),
                rec(B, A[:12], Status.SUCCEEDED),
                rec(A, "", Status.SUCCEEDED),
            ],
            B,
        ),
        ([rec(B, "unknown-v", Status.ROLLED_BACK)], None),  # its stable was never recorded
    ],
)
def test_live_digest_from_the_records(history: list[RolloutRecord], live: str | None) -> None:
    assert live_digest(history) == live


def test_version_digests_maps_each_canary() -> None:
    history = [rec(B, A[:12], Status.SUCCEEDED), rec(A, "", Status.SUCCEEDED)]
    assert version_digests(history) == {B[:12]: B, A[:12]: A}


class Launches:
    def __init__(self) -> None:
        self.launched: list[str] = []
        self.served: list[tuple[str, bool]] = []

    def __call__(self, digest: str, version: str) -> AppInstance:
        self.launched.append(version)
        return AppInstance(version, Endpoint("127.0.0.1", 20000 + len(self.launched)))

    def on_start(self, instance: AppInstance, first: bool) -> None:
        self.served.append((instance.version, first))


def instances(history: list[RolloutRecord], launches: Launches) -> ProcessInstances:
    return ProcessInstances(history, launches, lambda d: d[:12], launches.on_start)


def test_the_live_version_starts_first_and_once() -> None:
    launches = Launches()
    found = instances([rec(A, "", Status.SUCCEEDED)], launches)
    live = found.live()
    assert live is not None and live.version == A[:12]
    assert found.live() == live
    canary = found.start(B)
    assert canary.version == B[:12] and found.find(B[:12]) == canary
    assert launches.launched == [A[:12], B[:12]]
    assert launches.served == [(A[:12], True), (B[:12], False)]  # the router: once, first


def test_nothing_live_and_unknown_versions() -> None:
    launches = Launches()
    found = instances([], launches)
    assert found.live() is None
    assert found.find("nope") is None
    assert launches.launched == []


def test_a_resumed_rollout_restarts_its_recorded_versions() -> None:
    launches = Launches()
    history = [rec(B, A[:12], Status.RUNNING), rec(A, "", Status.SUCCEEDED)]
    found = instances(history, launches)
    canary = found.find(B[:12])
    assert canary is not None and launches.launched == [B[:12]]


def test_router_file_round_trip(tmp_path: Path) -> None:
    at = {"v1": AppInstance("v1", Endpoint("127.0.0.1", 8001))}
    write_router_file(tmp_path, RouterFile(9999, at))
    assert read_router_file(tmp_path) == RouterFile(9999, at)
    (tmp_path / "router.json").write_text("{not json", encoding="utf-8")
    assert read_router_file(tmp_path) is None
    assert read_router_file(tmp_path / "missing") is None


def test_version_settings_give_each_version_its_identity_and_only_the_drilled_a_fault() -> None:
    deployed = {"EI_ARTIFACT_DIGEST": C, "EI_VERSION": "0.1.0", "EI_TABLE": "t"}
    drill = FaultDrill((B,), {"EI_FAULT_ERROR_RATE": "1.0"})
    plain = version_settings(deployed, A, "aaaa", "http://emu", "PEM", "eu-west-1", drill)
    faulty = version_settings(deployed, B, "bbbb", "http://emu", "PEM", "eu-west-1", drill)
    assert (plain["EI_ARTIFACT_DIGEST"], plain["EI_VERSION"]) == (A, "aaaa")
    assert plain["EI_TABLE"] == "t" and plain["AWS_ENDPOINT_URL"] == "http://emu"
    assert "EI_FAULT_ERROR_RATE" not in plain
    assert faulty["EI_FAULT_ERROR_RATE"] == "1.0"
    assert faulty["EI_FAULT_ALLOW_PROD"] == "true"
    assert FaultDrill().for_digest(A) == {}
