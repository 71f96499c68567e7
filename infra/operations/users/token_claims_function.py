"""Pre token generation trigger (V2_0, inline Lambda code, stdlib only): the user's groups
become the access token's scopes (`<RESOURCE_SERVER>/<scope>` of its role group, ROLES) and
its `sites` claim (one `site:<id>` group per site). Nothing else in the token changes."""

import json
import os
from typing import Any

SITE_PREFIX = "site:"


def grants(groups: list[str], roles: dict[str, list[str]], server: str) -> dict[str, Any]:
    scopes = sorted({scope for group in groups for scope in roles.get(group, [])})
    sites = sorted(g[len(SITE_PREFIX) :] for g in groups if g.startswith(SITE_PREFIX))
    return {
        "scopesToAdd": [f"{server}/{scope}" for scope in scopes],
        "claimsToAddOrOverride": {"sites": sites},
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = event.get("request", {}).get("groupConfiguration") or {}
    groups = [str(g) for g in config.get("groupsToOverride") or []]
    roles = json.loads(os.environ["ROLES"])
    access = grants(groups, roles, os.environ["RESOURCE_SERVER"])
    event["response"] = {"claimsAndScopeOverrideDetails": {"accessTokenGeneration": access}}
    return event
