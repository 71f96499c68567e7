"""What the local target does around the stages of one run. Stage containers cannot start
containers, so the host does it: after an environment's deploy passed, its app is served from
the built artifact (before its smoke stage starts). A run that must leave nothing behind (a dry
run) stops the emulator it started."""

from __future__ import annotations

from infra.targets.local import LocalTarget
from infra.targets.local_apps import LocalApps

# The stage kind after which an environment's app is (re)served.
SERVE_AFTER = "deploy"


class LocalLifecycle:
    """`apps` None: serve nothing (a dry run); `keep_emulator` False: stop the emulator at the
    end of the run if this run started it."""

    def __init__(
        self, target: LocalTarget, apps: LocalApps | None, *, keep_emulator: bool = True
    ) -> None:
        self._target = target
        self._apps = apps
        self._keep = keep_emulator

    def before_stage(self, kind: str, env: str) -> str | None:
        return None

    def after_stage(self, kind: str, env: str, passed: bool) -> str | None:
        if kind != SERVE_AFTER or not passed or self._apps is None:
            return None
        served = self._apps.serve(env)
        line = (
            f"serving {env}: {served.url} ({served.runner} {served.handle}, digest "
            f"{served.digest[:12]}), from the deployed artifact"
        )
        identity = self._apps.identities.get(env)
        if identity is None:
            return line
        made = f"created {' and '.join(identity.created)}" if identity.created else "existing"
        return (
            f"{line}\n  user pool {identity.pool.pool_id} on the emulator ({made}); the app "
            "trusts its tokens and the local release key"
        )

    def close(self) -> str | None:
        started = self._target.started
        if self._keep or started is None:
            return None
        pid = self._target.stop()
        return f"stopped the local emulator this run started (pid {pid or started.pid})"
