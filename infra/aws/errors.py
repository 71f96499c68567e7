"""Errors at the AWS boundary: every botocore error leaves `infra.aws` as one of these."""

from __future__ import annotations

from infra.errors import EXIT_USAGE, InfraError


class AwsError(InfraError):
    """An AWS (or emulator) call failed; the message names the operation."""


class CredentialsError(AwsError):
    """No usable AWS credentials (missing, expired, or an unreadable config file)."""

    exit_code = EXIT_USAGE


class EmulatorUnreachable(AwsError):
    """The local AWS emulator does not answer at its endpoint."""

    def __init__(self, endpoint: str, detail: str) -> None:
        self.endpoint = endpoint
        super().__init__(
            f"the local AWS emulator is not reachable at {endpoint} ({detail}); start it again "
            "with `python -m infra emulator start` (deploys start it on demand) "
            "or check the process named in .pipeline/local/emulator.json"
        )


class EmulatorNotStarted(EmulatorUnreachable):
    """No local emulator has been started yet (history/status never start one)."""

    def __init__(self, state_file: str) -> None:
        self.endpoint = ""
        AwsError.__init__(
            self,
            f"no local AWS emulator is running (no {state_file}); deploy first with "
            "`pipeline deploy --env E`, which starts one",
        )


class AwsCallFailed(AwsError):
    """An AWS API call failed for a reason the caller does not handle specially."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        self.operation = operation
        self.code = code
        super().__init__(f"AWS {operation} failed: {code}: {message}")
