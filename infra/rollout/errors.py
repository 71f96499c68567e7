"""The rollout's domain errors; each carries its exit code (1 a check or step failed, 2 bad
usage or configuration), mapped in one place by `infra.errors.exit_code_for`."""

from __future__ import annotations

from infra.errors import EXIT_USAGE, InfraError


class RolloutError(InfraError):
    """A rollout step or check failed (exit 1)."""


class RolloutUsageError(RolloutError):
    """The command's input is wrong: unknown digest, missing approver, bad option (exit 2)."""

    exit_code = EXIT_USAGE


class PlanInvalid(RolloutUsageError):
    """The rollout plan cannot run as configured (names the file and key)."""


class UnknownDigest(RolloutUsageError):
    """No build, deployment or record knows this digest."""


class NotGreen(RolloutError):
    """The digest has not passed every gate before production."""


class RolloutInProgress(RolloutError):
    """Another promotion of this environment is running or paused."""


class NoActiveRollout(RolloutError):
    """A command needs a running or paused rollout and there is none."""


class PrecheckFailed(RolloutError):
    """A check before shifting production traffic failed; nothing was shifted."""


class ShiftFailed(RolloutError):
    """The router or alias refused a weight, or did not read back what was set."""


class RouterUnavailable(ShiftFailed):
    """The router cannot be reached (process down, socket gone)."""


class StaleRecord(RolloutError):
    """The rollout record changed since it was read (a request, or another controller)."""


class TakenOver(RolloutError):
    """Another controller claimed this rollout; this one stops without touching traffic."""


class RollbackFailed(RolloutError):
    """Traffic could not be moved back; the record stays `rolling_back` and a rerun retries."""
