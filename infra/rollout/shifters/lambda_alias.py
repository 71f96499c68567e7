"""The aws shifter: the `live` alias routes between the stable (primary) and the canary version
(AdditionalVersionWeights). Everything is validated here before the call: the emulator accepts
invalid versions and weights, and AWS's own refusal would come after a half-done step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from infra.aws.lambda_ import AliasState, FunctionVersion
from infra.rollout.errors import ShiftFailed
from infra.rollout.shifters.base import Weights, check_percent, verify


class AliasPort(Protocol):
    """The part of infra.aws.lambda_.LambdaFunctions the shifter uses."""

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


class LambdaAliasShifter:
    def __init__(
        self, functions: AliasPort, function: str, alias: str, stable: str, canary: str
    ) -> None:
        for role, version in (("stable", stable), ("canary", canary)):
            if not version.isdigit():
                raise ShiftFailed(
                    f"{role} version {version!r} of {function} is not a published version "
                    "number: the alias can only route between published versions"
                )
        if stable == canary:
            raise ShiftFailed(f"stable and canary are both version {stable} of {function}")
        self._functions = functions
        self.function = function
        self.alias = alias
        self.stable = stable
        self.canary = canary

    def set_weight(self, percent: int) -> Weights:
        check_percent(percent)
        self._check_published()
        current = self._alias()
        self._weights(current)  # refuses an alias someone else re-pointed
        if percent == 100:
            version, extra = self.canary, {}
        else:
            version = self.stable
            extra = {self.canary: percent / 100} if percent else {}
        updated = self._functions.update_alias(
            self.function, self.alias, version, extra, revision_id=current.revision_id
        )
        verify(percent, self._weights(updated), f"alias {self.alias}")
        return verify(percent, self.read_weight(), f"alias {self.alias}")

    def read_weight(self) -> Weights:
        return self._weights(self._alias())

    def promote(self) -> Weights:
        """At 100 % the alias's primary version already is the canary: nothing left to do."""
        current = self.read_weight()
        return current if current.canary_percent == 100 else self.set_weight(100)

    def reset(self) -> Weights:
        return self.set_weight(0)

    def _alias(self) -> AliasState:
        state = self._functions.alias(self.function, self.alias)
        if state is None:
            raise ShiftFailed(
                f"alias {self.alias} of {self.function} does not exist: deploy the stack first"
            )
        return state

    def _weights(self, state: AliasState) -> Weights:
        extra = dict(state.weights)
        if state.version == self.canary and not extra:
            return Weights(self.stable, self.canary, 100)
        if state.version == self.stable and set(extra) <= {self.canary}:
            share = extra.get(self.canary, 0.0)
            return Weights(self.stable, self.canary, round(share * 100))
        raise ShiftFailed(
            f"alias {self.alias} of {self.function} points at version {state.version} with "
            f"extra weights {extra}, neither stable {self.stable} nor canary {self.canary}: "
            "it was changed outside this rollout; check `rollout status` before going on"
        )

    def _check_published(self) -> None:
        published = {v.version for v in self._functions.versions(self.function)}
        missing = [v for v in (self.stable, self.canary) if v not in published]
        if missing:
            raise ShiftFailed(
                f"version {missing[0]} of {self.function} is not published (have: "
                f"{', '.join(sorted(published - {'$LATEST'}, key=int)) or 'none'})"
            )
