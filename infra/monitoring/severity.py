"""Severities P0-P3 (and INFO for non-alarm events) and how fast each must be answered."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    INFO = "INFO"

    @property
    def response(self) -> str:
        """The response time the operations guide promises for this severity."""
        return _RESPONSE[self]

    @property
    def topic_suffix(self) -> str:
        """`p0` ... `p3`, `info`: the tail of the SNS topic name of this severity."""
        return self.value.lower()


_RESPONSE = {
    Severity.P0: "immediate",
    Severity.P1: "within 1 h",
    Severity.P2: "within 4 h",
    Severity.P3: "within 24 h",
    Severity.INFO: "no response needed",
}
ALARM_SEVERITIES = (Severity.P0, Severity.P1, Severity.P2, Severity.P3)
