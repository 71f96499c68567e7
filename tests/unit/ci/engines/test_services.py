"""Waiting for a service, on a fake clock: answered, exited, or out of time at the deadline."""

from __future__ import annotations

import pytest

from pipeline.catalog import CATALOG
from pipeline.engines.services import ServiceFailed, Waiting, service_url, wait_ready

EMULATOR = CATALOG.services["emulator"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def waiting(clock: Clock, timeout_s: float = 1.0) -> Waiting:
    return Waiting(timeout_s=timeout_s, poll_s=0.25, clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize(
    ("failed_probes", "sleeps"),
    [(0, []), (1, [0.25]), (4, [0.25] * 4)],  # the 5th probe, at the deadline, still counts
)
def test_it_polls_until_the_service_answers(failed_probes: int, sleeps: list[float]) -> None:
    clock, probes = Clock(), iter([False] * failed_probes + [True])
    wait_ready(EMULATOR, lambda: next(probes), lambda: None, waiting(clock))
    assert clock.sleeps == sleeps


def test_it_gives_up_exactly_at_the_deadline() -> None:
    clock = Clock()
    with pytest.raises(ServiceFailed, match="did not answer within 1 s"):
        wait_ready(EMULATOR, lambda: False, lambda: None, waiting(clock))
    assert clock.now == 1.0
    assert clock.sleeps == [0.25] * 4


def test_the_last_sleep_is_cut_to_the_deadline() -> None:
    clock = Clock()
    with pytest.raises(ServiceFailed):
        wait_ready(EMULATOR, lambda: False, lambda: None, waiting(clock, timeout_s=0.6))
    assert clock.sleeps == pytest.approx([0.25, 0.25, 0.1])


def test_a_service_that_exited_fails_at_once_with_its_reason() -> None:
    clock = Clock()
    with pytest.raises(ServiceFailed, match=r"'emulator' .* exited: exit code 1; port in use"):
        wait_ready(EMULATOR, lambda: False, lambda: "exit code 1; port in use", waiting(clock))
    assert clock.sleeps == []


def test_service_url() -> None:
    assert service_url("emulator", 5000) == "http://emulator:5000"
