"""Traffic shifters behind one interface: Lambda alias weights (aws), HAProxy weights (local)."""

from infra.rollout.shifters.base import TrafficShifter, Weights, check_percent

__all__ = ["TrafficShifter", "Weights", "check_percent"]
