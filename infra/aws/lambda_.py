"""Lambda functions, versions and aliases: what the deployer verifies, what the rollout
shifts (alias `live` routing weights) and what `retire` prunes.

The emulator accepts invalid alias routing (a version of `$LATEST`, a weight of 1.5): callers
validate before `update_alias` (see infra.rollout), and this adapter refuses the obvious ones too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed, AwsError

LATEST = "$LATEST"


class InvalidRouting(AwsError):
    """Alias routing that AWS would refuse (or the emulator would wrongly accept)."""


@dataclass(frozen=True)
class FunctionVersion:
    version: str  # "$LATEST" or a published number
    code_sha256: str  # base64, as Lambda reports it


@dataclass(frozen=True)
class AliasState:
    """Where an alias points: its primary version and any extra versions with their share."""

    function: str
    name: str
    version: str
    weights: Mapping[str, float] = field(default_factory=dict)
    revision_id: str = ""


def check_routing(version: str, weights: Mapping[str, float]) -> None:
    """Refuse what AWS refuses: unpublished versions, weights outside [0, 1), two extra
    versions, or the primary version given a weight too."""
    for name in (version, *weights):
        if not name.isdigit():
            raise InvalidRouting(
                f"alias routing names version {name!r}: only published numeric versions can be "
                f"routed to (not {LATEST}); publish the function first"
            )
    if len(weights) > 1:
        raise InvalidRouting(f"alias routing has {len(weights)} extra versions: at most one")
    for name, weight in weights.items():
        if name == version:
            raise InvalidRouting(f"version {name} is the alias's primary version and extra too")
        if not (math.isfinite(weight) and 0.0 <= weight < 1.0):
            raise InvalidRouting(
                f"weight {weight!r} for version {name}: must be in [0, 1) (the primary version "
                "keeps the rest)"
            )


class LambdaFunctions:
    """The Lambda calls of the release side."""

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def versions(self, function: str) -> tuple[FunctionVersion, ...]:
        """Every version of the function, `$LATEST` included."""
        with aws_call("lambda ListVersionsByFunction", self._clients.endpoint):
            pages = self._clients.lambda_.get_paginator("list_versions_by_function")
            return tuple(
                FunctionVersion(str(v["Version"]), str(v.get("CodeSha256", "")))
                for page in pages.paginate(FunctionName=function)
                for v in page.get("Versions", [])
            )

    def publish(self, function: str) -> str:
        with aws_call("lambda PublishVersion", self._clients.endpoint):
            return str(self._clients.lambda_.publish_version(FunctionName=function)["Version"])

    def delete_version(self, function: str, version: str) -> None:
        if not version.isdigit():
            raise InvalidRouting(f"refusing to delete version {version!r}: not a published one")
        with aws_call("lambda DeleteFunction (version)", self._clients.endpoint):
            self._clients.lambda_.delete_function(FunctionName=function, Qualifier=version)

    def environment(self, function: str, version: str = LATEST) -> dict[str, str]:
        """The environment variables of a version (default `$LATEST`, what the next
        published version gets)."""
        with aws_call("lambda GetFunctionConfiguration", self._clients.endpoint):
            config = self._clients.lambda_.get_function_configuration(
                FunctionName=function, Qualifier=version
            )
        variables = config.get("Environment", {}).get("Variables", {})
        return {str(k): str(v) for k, v in variables.items()}

    def alias(self, function: str, name: str) -> AliasState | None:
        """The alias, or None when it does not exist."""
        try:
            with aws_call("lambda GetAlias", self._clients.endpoint):
                raw = self._clients.lambda_.get_alias(FunctionName=function, Name=name)
        except AwsCallFailed as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise
        return _alias_state(function, name, raw)

    def create_alias(self, function: str, name: str, version: str) -> AliasState:
        check_routing(version, {})
        with aws_call("lambda CreateAlias", self._clients.endpoint):
            raw = self._clients.lambda_.create_alias(
                FunctionName=function, Name=name, FunctionVersion=version
            )
        return _alias_state(function, name, raw)

    def update_alias(
        self,
        function: str,
        name: str,
        version: str,
        weights: Mapping[str, float] | None = None,
        revision_id: str = "",
    ) -> AliasState:
        """Point the alias at `version`, sending each extra version its weight (none: all
        traffic to `version`). With `revision_id`, AWS refuses if the alias changed meanwhile."""
        extra = dict(weights or {})
        check_routing(version, extra)
        args: dict[str, Any] = {
            "FunctionName": function,
            "Name": name,
            "FunctionVersion": version,
            "RoutingConfig": {"AdditionalVersionWeights": extra},
        }
        if revision_id:
            args["RevisionId"] = revision_id
        with aws_call("lambda UpdateAlias", self._clients.endpoint):
            raw = self._clients.lambda_.update_alias(**args)
        return _alias_state(function, name, raw)


def _alias_state(function: str, name: str, raw: Mapping[str, Any]) -> AliasState:
    routing = raw.get("RoutingConfig") or {}
    weights = routing.get("AdditionalVersionWeights") or {}
    return AliasState(
        function=function,
        name=name,
        version=str(raw.get("FunctionVersion", "")),
        weights={str(k): float(v) for k, v in weights.items()},
        revision_id=str(raw.get("RevisionId", "")),
    )
