"""What a user of the pool may do, as group membership: one role group (its scopes) and one
group per site. The stack's pre-token-generation trigger turns the groups into the access
token's scopes and `sites` claim, which the app authorizes (app/authz.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum

from app.authz import SITES_CLAIM, Scope
from app.readings import SITE_ID_PATTERN
from app.settings import DEFAULT_RESOURCE_SERVER
from infra.errors import UsageError

SITE_GROUP_PREFIX = "site:"
RESOURCE_SERVER = DEFAULT_RESOURCE_SERVER  # the app reads `<this>/<scope>` scopes
_SITE = re.compile(SITE_ID_PATTERN)


class Role(StrEnum):
    """The role groups the stack creates; a user is in at most one."""

    READER = "reader"
    WRITER = "writer"
    ADMIN = "admin"

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return ROLE_SCOPES[self]


ROLE_SCOPES: Mapping[Role, tuple[Scope, ...]] = {
    Role.READER: (Scope.READINGS_READ,),
    Role.WRITER: (Scope.READINGS_READ, Scope.READINGS_WRITE, Scope.REPORTS_WRITE),
    Role.ADMIN: tuple(Scope),
}
ROLE_DESCRIPTIONS: Mapping[Role, str] = {
    Role.READER: "reads readings, summaries and reports of its sites",
    Role.WRITER: "reads and writes readings, generates reports, on its sites",
    Role.ADMIN: "everything, including creating and renaming its sites",
}


def parse_role(raw: str) -> Role | None:
    if not raw:
        return None
    try:
        return Role(raw)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise UsageError(f"unknown role {raw!r}; choose one of: {choices}") from None


def site_group(site: str) -> str:
    """The group granting one site; UsageError for an id the API would never accept."""
    if not _SITE.fullmatch(site):
        raise UsageError(
            f"--site {site!r} is not a site id the API accepts ({SITE_ID_PATTERN}): "
            "use up to 64 letters, digits, _ and -"
        )
    return f"{SITE_GROUP_PREFIX}{site}"


def roles_setting() -> str:
    """The trigger's ROLES variable: role group -> scope names (compact JSON)."""
    data = {role.value: [scope.value for scope in scopes] for role, scopes in ROLE_SCOPES.items()}
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def token_grants(groups: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(scopes, sites) the trigger grants for these groups: what the unit tests hold the
    inline function to (the same rule, written once more there without imports)."""
    found = set(groups)
    scopes = sorted({s.value for role in Role if role.value in found for s in role.scopes})
    sites = sorted(
        g.removeprefix(SITE_GROUP_PREFIX) for g in found if g.startswith(SITE_GROUP_PREFIX)
    )
    return tuple(scopes), tuple(sites)


__all__ = ["SITES_CLAIM", "Role", "parse_role", "roles_setting", "site_group", "token_grants"]
