"""How the local prod serves one app version: the prod stack on the emulator runs the digest
(deployed under the promotion's lock when no published version runs it yet), then its bundle,
found by digest, is served by an `AppRunner` on a free loopback port, configured like the
deployed function with that version's identity. A rehearsal's fault drill reaches only the
digests it names."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.local.environment import local_app_environment
from app.local.ports import free_port, loopback_url
from app.settings import Var
from infra.clock import Clock
from infra.rollout.router.config import Endpoint
from infra.rollout.shifters.haproxy import AppInstance
from infra.targets.local_apps import AppRunner, AppServingError, wait_until_answering

LOOPBACK = "127.0.0.1"
ENV_PREFIX = "prod-"  # the runner's per-instance name: prod-<version>


@dataclass(frozen=True)
class FaultDrill:
    """EI_FAULT_* settings for the named digests only (the app refuses them in prod unless
    EI_FAULT_ALLOW_PROD is true, which the drill sets)."""

    digests: Collection[str] = ()
    settings: Mapping[str, str] = field(default_factory=dict)

    def for_digest(self, digest: str) -> dict[str, str]:
        if digest not in self.digests or not self.settings:
            return {}
        return {**self.settings, Var.FAULT_ALLOW_PROD.value: "true"}


def version_settings(
    deployed: Mapping[str, str],
    digest: str,
    version: str,
    emulator_url: str,
    public_pem: str,
    region: str,
    drill: FaultDrill,
) -> dict[str, str]:
    """The deployed function's environment as this version's (pure)."""
    own = {**deployed, Var.DIGEST.value: digest, Var.VERSION.value: version}
    env = local_app_environment(own, emulator_url=emulator_url, public_pem=public_pem,
                                region=region)  # fmt: skip
    env.update(drill.for_digest(digest))
    return env


@dataclass
class AppVersions:
    """The `Launch` of infra.rollout.binding.local_prod: (digest, version) -> instance."""

    runner: AppRunner
    ensure_deployed: Callable[[str], Path]  # digest -> its bundle, the stack running it
    deployed_env: Callable[[], Mapping[str, str]]  # the prod function's environment
    emulator_url: str
    public_pem: str
    region: str
    clock: Clock
    drill: FaultDrill = field(default_factory=FaultDrill)
    handles: dict[str, str] = field(default_factory=dict)  # version -> runner handle

    def __call__(self, digest: str, version: str) -> AppInstance:
        bundle = self.ensure_deployed(digest)
        settings = version_settings(self.deployed_env(), digest, version, self.emulator_url,
                                    self.public_pem, self.region, self.drill)  # fmt: skip
        port = free_port()
        handle = self.runner.start(ENV_PREFIX + version, bundle, digest, port, settings)
        self.handles[version] = handle
        url = loopback_url(port)
        try:
            wait_until_answering(url, lambda: self.runner.alive(handle), self.clock)
        except AppServingError as exc:
            logs = self.runner.logs(handle)
            detail = f"version {version}: {exc}" + (f"\n{logs}" if logs else "")
            raise AppServingError(detail) from None
        return AppInstance(version, Endpoint(LOOPBACK, port))

    def stop(self, version: str) -> bool:
        """Stop one version (a test's dying canary; `stop_all` at the end)."""
        handle = self.handles.pop(version, None)
        return handle is not None and self.runner.stop(handle)

    def stop_all(self) -> list[str]:
        return [version for version in list(self.handles) if self.stop(version)]
