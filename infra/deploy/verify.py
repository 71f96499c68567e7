"""After apply: check through each service's own API that what the app and the rollout rely
on exists, make the `live` alias where the emulator skipped it, and name what it skipped."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.aws import AwsClients
from infra.aws.backup_objects import BackupObjects, BucketProtection
from infra.aws.errors import AwsCallFailed
from infra.aws.items import ItemTable
from infra.aws.lambda_ import LATEST, LambdaFunctions
from infra.aws.s3 import Buckets
from infra.config.model import EnvironmentConfig
from infra.templates.parameters import ON_AWS_CONDITION
from infra.templates.storage import (
    DATA_PARTITION_KEY,
    DATA_SORT_KEY,
    DEPLOYMENTS_PARTITION_KEY,
    DEPLOYMENTS_SORT_KEY,
)

# Resource types moto's CloudFormation reports CREATE_COMPLETE without creating anything.
EMULATOR_SKIPPED_TYPES = (
    "AWS::Lambda::Alias",
    "AWS::CloudWatch::Alarm",
    "AWS::Logs::MetricFilter",  # created by infra.monitoring.local_setup instead
    "AWS::SNS::TopicPolicy",
    "AWS::ApiGatewayV2::",
)


@dataclass(frozen=True)
class Check:
    what: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Verification:
    checks: tuple[Check, ...]
    emulator_skipped: tuple[str, ...]  # "LogicalId (Type)" not created by the emulator
    alias_version: str

    @property
    def failures(self) -> tuple[str, ...]:
        return tuple(f"{c.what}: {c.detail}" for c in self.checks if not c.ok)

    def lines(self) -> list[str]:
        out = [f"  {'ok  ' if c.ok else 'FAIL'} {c.what}: {c.detail}" for c in self.checks]
        if self.emulator_skipped:
            out.append(
                "  NOT DEPLOYED on the local emulator (it skips these types, or the template "
                "keeps them for AWS only), so not verified: " + ", ".join(self.emulator_skipped)
            )
        return out


def skipped_by_emulator(template: Mapping[str, Any]) -> tuple[str, ...]:
    """The template's resources the local target does not really create: types the emulator
    only pretends to create, and resources the template itself keeps for AWS only."""
    skipped = []
    for logical_id, resource in sorted(template.get("Resources", {}).items()):
        kind = str(resource.get("Type", ""))
        if kind.startswith(EMULATOR_SKIPPED_TYPES):
            skipped.append(f"{logical_id} ({kind})")
        elif resource.get("Condition") == ON_AWS_CONDITION:
            skipped.append(f"{logical_id} ({kind}, AWS only)")
    return tuple(skipped)


def code_sha256(digest: str) -> str:
    """Lambda's CodeSha256 (base64 of the raw digest) of the zip with this hex sha256."""
    return base64.b64encode(bytes.fromhex(digest)).decode("ascii")


def key_schema_problem(actual: Sequence[tuple[str, str]], partition_key: str, sort_key: str) -> str:
    """'' when the table has exactly these hash and range keys, else what differs (pure)."""
    actual = tuple(actual)
    expected = ((partition_key, "HASH"), (sort_key, "RANGE"))
    if actual == expected:
        return ""
    return f"key schema is {actual}, expected {expected}"


def reports_versions(clients: AwsClients, bucket: str, days: int) -> Check:
    """The reports bucket keeps old versions for `days` as the template declares (a deleted
    report stays restorable); the emulator's CloudFormation ignores both, so there they are
    set here, and on AWS a bucket without them fails the check."""
    what = f"bucket {bucket} versions"
    objects = BackupObjects(clients)
    try:
        found = objects.protection(bucket)
    except AwsCallFailed as exc:
        return Check(what, False, f"could not be read ({exc.code})")
    if found == BucketProtection("Enabled", days):
        return Check(what, True, f"versioned, old versions expire after {days} days")
    if not clients.endpoint.is_emulator:
        expiry = found.noncurrent_expiry_days
        return Check(
            what,
            False,
            f"versioning {found.versioning or 'never enabled'}, old versions expire "
            f"{f'after {expiry} days' if expiry is not None else 'never'}; the template "
            f"declares Enabled and {days} days",
        )
    objects.protect(bucket, days)
    return Check(
        what, True, f"versioning and {days}-day expiry set directly (the emulator skipped them)"
    )


class Verifier:
    """Read-only checks, plus the version and alias the emulator skips (local target only)."""

    def __init__(self, clients: AwsClients, config: EnvironmentConfig, account_id: str) -> None:
        self._clients = clients
        self._functions = LambdaFunctions(clients)
        self._config = config
        self._account = account_id

    def verify(self, template: Mapping[str, Any], digest: str, live_version: str) -> Verification:
        names = self._config.names
        checks = [
            self._table(names.data_table, DATA_PARTITION_KEY, DATA_SORT_KEY),
            self._table(names.deployments_table, DEPLOYMENTS_PARTITION_KEY, DEPLOYMENTS_SORT_KEY),
            self._bucket(names.reports_bucket(self._account, self._config.region)),
        ]
        function_check, newest = self._function(names.function, digest)
        checks.append(function_check)
        alias_check, alias_version = self._alias(
            names.function, names.alias, live_version or newest
        )
        checks.append(alias_check)
        reports = names.reports_bucket(self._account, self._config.region)
        days = self._config.backup.noncurrent_version_expiry_days
        checks.append(reports_versions(self._clients, reports, days))
        skipped = skipped_by_emulator(template) if self._clients.endpoint.is_emulator else ()
        return Verification(tuple(checks), skipped, alias_version)

    def _table(self, name: str, partition_key: str, sort_key: str) -> Check:
        shape = ItemTable(self._clients, name).describe()
        if shape is None:
            return Check(f"table {name}", False, "not found (ResourceNotFoundException)")
        problem = key_schema_problem(shape.key_schema, partition_key, sort_key)
        return Check(
            f"table {name}",
            not problem,
            problem or f"exists, {shape.status}, keys {partition_key}/{sort_key}",
        )

    def _bucket(self, name: str) -> Check:
        if not Buckets(self._clients).exists(name):
            return Check(f"bucket {name}", False, "not found (404)")
        return Check(f"bucket {name}", True, "exists")

    def _function(self, name: str, digest: str) -> tuple[Check, str]:
        """The function runs the artifact, and its newest published version ('' when none)."""
        what = f"function {name}"
        want_code = code_sha256(digest)
        try:
            versions = {v.version: v.code_sha256 for v in self._functions.versions(name)}
        except AwsCallFailed as exc:
            return Check(what, False, f"not found ({exc.code})"), ""
        if versions.get(LATEST) != want_code:
            return Check(what, False, f"code is not the artifact {digest[:12]}"), ""
        published = {v: code for v, code in versions.items() if v != LATEST}
        newest = max(published, key=int) if published else ""
        emulator = self._clients.endpoint.is_emulator
        # moto publishes no new version for a configuration-only change either (a restore
        # switching EI_TABLE_NAME), where the stack's Version resource does on AWS.
        stale = emulator and newest and self._configuration_unpublished(name, newest)
        if newest and published[newest] == want_code and not stale:
            return Check(what, True, f"runs {digest[:12]}, published as version {newest}"), newest
        if not emulator:
            return Check(what, False, f"no published version runs {digest[:12]}"), ""
        # moto's stack update changes the code or configuration but does not publish the new
        # Version resource.
        version = self._functions.publish(name)
        detail = f"runs {digest[:12]}, version {version} published directly (emulator skipped it)"
        return Check(what, True, detail), version

    def _configuration_unpublished(self, function: str, version: str) -> bool:
        """`$LATEST`'s environment differs from that published version's."""
        return self._functions.environment(function, version) != self._functions.environment(
            function
        )

    def _alias(self, function: str, alias: str, want: str) -> tuple[Check, str]:
        what = f"alias {function}:{alias}"
        emulator = self._clients.endpoint.is_emulator
        current = self._functions.alias(function, alias)
        if current is None:
            if not emulator or not want:
                return Check(what, False, "not found (ResourceNotFoundException)"), ""
            # moto's CloudFormation skips AWS::Lambda::Alias; create what the stack would have.
            self._functions.create_alias(function, alias, want)
            detail = f"-> version {want} (created directly: the emulator skips aliases)"
            return Check(what, True, detail), want
        if not emulator or not want or current.version == want:
            return Check(what, True, f"-> version {current.version}"), current.version
        # The emulator ignores the stack's alias update: do what the stack would have done.
        self._functions.update_alias(function, alias, want)
        detail = (
            f"-> version {want} (moved from {current.version} directly: the emulator skips "
            "alias updates)"
        )
        return Check(what, True, detail), want
