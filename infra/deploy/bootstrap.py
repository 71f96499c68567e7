"""The first deploy's bootstrap: the deploy lock lives in the stack's own deployments table,
so on the first ever deploy the stack is created with that one resource only. The full change
set that follows then adds everything else under the lock (see infra/deploy/README.md). The
artifact bucket cannot be in the stack (the function reads its code from it while the stack is
created): the plan creates it by direct calls.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from infra.deploy.errors import DeployError


def bootstrap_template(template: Mapping[str, Any], table_name: str) -> str:
    """The stack reduced to its deployments table (same logical id and properties)."""
    resources = template.get("Resources", {})
    chosen = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
        and resource.get("Properties", {}).get("TableName") == table_name
    }
    if len(chosen) != 1:
        raise DeployError(
            f"the template must declare exactly one AWS::DynamoDB::Table named {table_name} "
            f"(the deployments table the deploy lock lives in); found {len(chosen)}"
        )
    body = {
        "AWSTemplateFormatVersion": template.get("AWSTemplateFormatVersion", "2010-09-09"),
        "Description": f"{template.get('Description', 'stack')} (bootstrap: deployments table)",
        "Resources": chosen,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"))
