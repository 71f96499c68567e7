"""The deployer's domain errors (AWS call failures are `infra.aws.errors`); each carries the
exit code it maps to."""

from __future__ import annotations

from datetime import datetime

from infra.errors import EXIT_USAGE, InfraError


class DeployError(InfraError):
    """A deploy step failed (exit 1 unless the class says otherwise)."""


class DeployUsageError(DeployError):
    """The command's input is wrong: missing artifact, digest mismatch, bad option."""

    exit_code = EXIT_USAGE


class ArtifactNotFound(DeployUsageError):
    """No artifact with the named digest exists in any place the deployer looked."""

    def __init__(self, digest: str, looked_in: tuple[str, ...]) -> None:
        self.digest = digest
        self.looked_in = looked_in
        places = "; ".join(looked_in)
        super().__init__(
            f"artifact digest {digest} not found (looked in: {places}); build it with "
            "`pipeline build` and pass --artifact PATH, or name a digest that was uploaded"
        )


class DigestMismatch(DeployUsageError):
    """The artifact file's sha256 is not the digest the command named."""

    def __init__(self, path: str, expected: str, actual: str) -> None:
        super().__init__(
            f"artifact {path} has sha256 {actual}, not the --digest {expected}; "
            "pass the matching file, or drop --digest to deploy the file's own digest"
        )


class TemplateInvalid(DeployError):
    """The template fails cfn-lint; nothing was sent to AWS."""

    def __init__(self, template: str, problems: tuple[str, ...]) -> None:
        self.problems = problems
        listed = "\n  ".join(problems)
        super().__init__(
            f"template {template} fails cfn-lint ({len(problems)} problem(s)); nothing was "
            f"deployed. Fix the template code and synth again:\n  {listed}"
        )


class LockHeld(DeployError):
    """Another deploy holds (or crashed holding) this environment's lock."""

    def __init__(
        self, env: str, owner: str, since: datetime, expires: datetime, stale: bool
    ) -> None:
        self.env = env
        self.owner = owner
        self.since = since
        self.expires = expires
        self.stale = stale
        state = (
            f"expired at {expires.isoformat()} (stale)"
            if stale
            else f"expires {expires.isoformat()}"
        )
        super().__init__(
            f"environment {env} is locked by {owner} since {since.isoformat()}; the lock "
            f"{state}. Wait for that deploy to finish, or if it is gone, rerun with --break-lock"
        )


class ChangeSetFailed(DeployError):
    """CloudFormation could not create or apply the change set."""

    def __init__(self, stack: str, resource: str, reason: str) -> None:
        self.stack = stack
        self.resource = resource
        self.reason = reason
        super().__init__(f"stack {stack}: {resource} failed: {reason}")


class VerificationFailed(DeployError):
    """The stack applied, but a service's own API does not show what the app relies on."""

    def __init__(self, failures: tuple[str, ...]) -> None:
        self.failures = failures
        super().__init__("after apply, these checks failed: " + "; ".join(failures))
