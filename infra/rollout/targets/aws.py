"""aws: the `live` alias shifts between published versions; the canary is judged by Lambda
metrics by ExecutedVersion, the app's EMF metrics by version, alarm states and the probe."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from infra.aws.lambda_ import AliasState, FunctionVersion
from infra.config.names import ResourceNames
from infra.rollout.errors import PrecheckFailed
from infra.rollout.ports import AlarmSource, Candidate
from infra.rollout.providers.alarms import AlarmsProvider
from infra.rollout.providers.base import MetricsProvider
from infra.rollout.providers.lambda_metrics import LambdaMetricsPort, LambdaMetricsProvider
from infra.rollout.providers.probe import HttpProbe
from infra.rollout.providers.version_metrics import EmfProvider, VersionMetricsPort
from infra.rollout.shifters.lambda_alias import LambdaAliasShifter


class FunctionsPort(Protocol):
    """infra.aws.lambda_.LambdaFunctions, as far as the aws target uses it."""

    def versions(self, function: str) -> tuple[FunctionVersion, ...]: ...

    def alias(self, function: str, name: str) -> AliasState | None: ...

    def update_alias(
        self,
        function: str,
        name: str,
        version: str,
        weights: Mapping[str, float] | None = None,
        revision_id: str = "",
    ) -> AliasState: ...


class CandidateDeployer(Protocol):
    """The deployer with `live` pinned: publishes the digest as a new version, no traffic."""

    def deploy(self, digest: str) -> Candidate: ...

    def existing(self, digest: str, version: str) -> Candidate: ...

    def first(self, digest: str) -> Candidate:
        """The environment's first version: a plain deploy, `live` on it."""
        ...


class AwsTarget:
    name = "aws"

    def __init__(
        self,
        env: str,
        names: ResourceNames,
        functions: FunctionsPort,
        deployer: CandidateDeployer,
        lambda_metrics: LambdaMetricsPort,
        version_metrics: VersionMetricsPort | None,
        alarms: AlarmSource,
        probe_token: str = "",
    ) -> None:
        self._env = env
        self._names = names
        self._functions = functions
        self._deployer = deployer
        self._lambda_metrics = lambda_metrics
        self._version_metrics = version_metrics
        self._alarms = alarms
        self._probe_token = probe_token

    def live_version(self) -> str | None:
        alias = self._functions.alias(self._names.function, self._names.alias)
        if alias is None:
            return None
        if alias.weights:
            raise PrecheckFailed(
                f"alias {self._names.alias} still routes {dict(alias.weights)} besides version "
                f"{alias.version}: a rollout is half done; see `rollout status`, then "
                "`rollout abort` or finish it"
            )
        return alias.version

    def deploy_candidate(self, digest: str) -> Candidate:
        return self._deployer.deploy(digest)

    def existing_candidate(self, digest: str, version: str) -> Candidate:
        return self._deployer.existing(digest, version)

    def deploy_first(self, digest: str) -> Candidate:
        return self._deployer.first(digest)

    def shifter(self, stable: str, candidate: Candidate) -> LambdaAliasShifter:
        return LambdaAliasShifter(
            self._functions, self._names.function, self._names.alias, stable, candidate.version
        )

    def providers(self, candidate: Candidate) -> Sequence[MetricsProvider]:
        found: list[MetricsProvider] = [
            LambdaMetricsProvider(self._lambda_metrics, self._names.function, candidate.version),
            AlarmsProvider(self._alarms, self._env),
        ]
        if self._version_metrics is not None:
            found.append(EmfProvider(self._version_metrics, candidate.app_version))
        if candidate.probe_url:
            found.append(HttpProbe(candidate.probe_url, candidate.app_version, self._probe_token))
        return found
