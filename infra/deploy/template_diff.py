"""A read-only preview of a deploy's resource changes: the stack's current template and
parameters against the new ones (pure). A dry run shows this instead of creating a change set;
CloudFormation's own plan (with replacements) is computed and printed when a deploy applies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from typing import Any

from infra.deploy.plan import Action, ResourceChange

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def resource_changes(
    current: Mapping[str, Any] | None,
    current_params: Mapping[str, str],
    new: Mapping[str, Any],
    new_params: Mapping[str, str],
) -> tuple[ResourceChange, ...]:
    """Adds, removes and modifies between two templates, each with its parameter values; a
    resource is modified when its definition differs or it uses a parameter or condition whose
    value changed. `current` None: the stack does not exist yet (everything is added)."""
    after = active_resources(new, new_params)
    if current is None:
        return tuple(_row(name, after[name], Action.ADD) for name in sorted(after))
    before = active_resources(current, current_params)
    changed_params = {
        name
        for name in {*current_params, *new_params}
        if current_params.get(name) != new_params.get(name)
    }
    changed_conditions = {
        name
        for name in {*_conditions(current), *_conditions(new)}
        if _condition_value(current, current_params, name)
        != _condition_value(new, new_params, name)
    }
    rows = []
    for name in sorted({*before, *after}):
        if name not in before:
            rows.append(_row(name, after[name], Action.ADD))
        elif name not in after:
            rows.append(_row(name, before[name], Action.REMOVE))
        elif before[name] != after[name] or _uses(after[name], changed_params, changed_conditions):
            rows.append(_row(name, after[name], Action.MODIFY))
    return tuple(rows)


def active_resources(
    template: Mapping[str, Any], params: Mapping[str, str]
) -> dict[str, Mapping[str, Any]]:
    """The template's resources whose Condition holds for these parameter values."""
    resources: Mapping[str, Mapping[str, Any]] = template.get("Resources", {})
    return {
        name: resource
        for name, resource in resources.items()
        if "Condition" not in resource
        or _condition_value(template, params, str(resource["Condition"])) is not False
    }


def _row(name: str, resource: Mapping[str, Any], action: Action) -> ResourceChange:
    return ResourceChange(name, str(resource.get("Type", "?")), action)


def _conditions(template: Mapping[str, Any]) -> Set[str]:
    return set(template.get("Conditions", {}))


def _condition_value(
    template: Mapping[str, Any], params: Mapping[str, str], name: str
) -> bool | None:
    """The named condition's value, or None when it uses something this preview does not
    evaluate (then the resource is kept: a preview never hides a change)."""
    conditions = template.get("Conditions", {})
    if name not in conditions:
        return None
    defaults = {
        key: str(spec.get("Default", "")) for key, spec in template.get("Parameters", {}).items()
    }
    result = _evaluate(conditions[name], {**defaults, **params}, conditions, depth=0)
    return result if isinstance(result, bool) else None


def _evaluate(
    expression: Any, params: Mapping[str, str], conditions: Mapping[str, Any], depth: int
) -> Any:
    if depth > 20:  # a condition cycle: CloudFormation refuses the template anyway
        return None
    if isinstance(expression, str | int | float | bool):
        return str(expression)
    if not isinstance(expression, Mapping) or len(expression) != 1:
        return None
    ((function, args),) = expression.items()

    def value(item: Any) -> Any:
        return _evaluate(item, params, conditions, depth + 1)

    if function == "Ref":
        return params.get(str(args))
    if function == "Condition":
        return value(conditions.get(str(args)))
    values = [value(arg) for arg in args] if isinstance(args, list) else []
    if None in values or not values:
        return None
    if function == "Fn::Equals" and len(values) == 2:
        return values[0] == values[1]
    if function == "Fn::Not" and len(values) == 1:
        return not values[0]
    if function == "Fn::And":
        return all(values)
    if function == "Fn::Or":
        return any(values)
    return None


def _uses(node: Any, params: Set[str], conditions: Set[str]) -> bool:
    """True when `node` refers to one of these parameters (Ref, ${Sub}) or conditions (Fn::If)."""
    if isinstance(node, Mapping):
        ref, condition, branch = node.get("Ref"), node.get("Condition"), node.get("Fn::If")
        if isinstance(ref, str) and ref in params:
            return True
        if isinstance(condition, str) and condition in conditions:
            return True
        if isinstance(branch, list) and branch and str(branch[0]) in conditions:
            return True
        text = node.get("Fn::Sub")
        template = text[0] if isinstance(text, list) and text else text
        if isinstance(template, str) and params & set(_SUB_NAME.findall(template)):
            return True
        return any(_uses(child, params, conditions) for child in node.values())
    if isinstance(node, list):
        return any(_uses(child, params, conditions) for child in node)
    return False
