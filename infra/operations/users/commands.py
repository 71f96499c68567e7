"""`users create|reset-password|disable|list`: the entry function the CLI calls and its
rendering. Every change is written to an `audit#` record, failed ones too."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from infra.aws.clients import AwsClients
from infra.aws.cognito import CognitoUser, PoolUsers, UserExists, UserNotFound
from infra.aws.errors import AwsError
from infra.clock import Clock
from infra.config.model import EnvironmentConfig
from infra.errors import InfraError, UsageError
from infra.operations.audit import AuditOutcome, AuditRecord, AuditStore
from infra.operations.users.plan import UnknownUser, UserAction, UserPlan, UsersRequest, plan_users
from infra.operations.users.pool import find_pool

KNOWN_USERS_SHOWN = 10
NEVER_SIGNED_IN = "FORCE_CHANGE_PASSWORD"


class AuditFailed(InfraError):
    """The change was made but its audit record could not be written."""


@dataclass(frozen=True)
class UsersResult:
    plan: UserPlan
    users: tuple[CognitoUser, ...]  # list: every user; otherwise the user acted on
    audit: AuditRecord | None


def run_users(
    request: UsersRequest,
    *,
    config: EnvironmentConfig,
    clients: AwsClients,
    audit: AuditStore,
    clock: Clock,
    actor: str,
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12],
) -> UsersResult:
    """Plan (refusals exit 2 before any call), find the pool, act, audit."""
    plan = plan_users(request, config)
    users = PoolUsers(clients, find_pool(clients, config).pool_id)
    action, name = plan.request.action, plan.request.user
    if action is UserAction.LIST:
        return UsersResult(plan, users.list(), None)
    before = None
    if action is not UserAction.CREATE:
        try:
            before = users.get(name)
        except UserNotFound:
            raise _unknown(users, name, config.name) from None

    def record(outcome: AuditOutcome, detail: str) -> AuditRecord:
        return AuditRecord(
            audit_id=new_id(),
            env=config.name,
            action=action.audit_action,
            subject=name,
            actor=actor,
            approved_by=plan.request.approved_by,
            at=clock.now(),
            outcome=outcome,
            detail=detail,
        )

    try:
        user, how = _apply(users, action, name, before)
    except UserExists:
        raise UsageError(
            f"users create: {name} already has an account in {plan.pool_name}; use "
            f"`./pipeline users reset-password --env {config.name} --user {name}` instead"
        ) from None
    except AwsError as exc:
        _save(audit, record(AuditOutcome.FAILED, str(exc)), done=False)
        raise
    entry = record(AuditOutcome.SUCCEEDED, f"{how}; status {user.status}, enabled {user.enabled}")
    _save(audit, entry, done=True)
    return UsersResult(plan, (user,), entry)


def _apply(
    users: PoolUsers, action: UserAction, name: str, before: CognitoUser | None
) -> tuple[CognitoUser, str]:
    """Do it; returns the user afterwards and what was done, in words for the audit."""
    if action is UserAction.CREATE:
        return users.create(name), "created; Cognito e-mailed a temporary password"
    if action is UserAction.RESET_PASSWORD:
        if before is not None and before.status == NEVER_SIGNED_IN:
            users.resend_invitation(name)
            how = "never signed in: invitation with a new temporary password re-sent"
        else:
            users.reset_password(name)
            how = "reset: Cognito e-mailed a code; the password must be changed at sign-in"
    else:
        users.disable(name)
        how = "disabled; every refresh token revoked (global sign-out)"
    return users.get(name), how


def _save(audit: AuditStore, entry: AuditRecord, done: bool) -> None:
    try:
        audit.save(entry)
    except AwsError as exc:
        if not done:
            return  # the change failed anyway; that error is the one to report
        raise AuditFailed(
            f"{entry.action} {entry.subject} was done but its audit record could not be "
            f"written ({exc}); record it by hand in the incident log"
        ) from None


def _unknown(users: PoolUsers, name: str, env: str) -> UnknownUser:
    known = sorted(u.email or u.username for u in users.list())
    shown = ", ".join(known[:KNOWN_USERS_SHOWN]) or "none"
    more = f" (and {len(known) - KNOWN_USERS_SHOWN} more)" if len(known) > KNOWN_USERS_SHOWN else ""
    return UnknownUser(
        f"no user {name!r} in {env}'s user pool; users: {shown}{more} "
        f"(`./pipeline users list --env {env}`)"
    )


def render_users(result: UsersResult) -> list[str]:
    """Lines for the terminal: the plan, then the users (list) or the outcome."""
    lines = [result.plan.describe()]
    if result.plan.request.action is UserAction.LIST and not result.users:
        return [*lines, "no users"]
    for user in sorted(result.users, key=lambda u: u.email or u.username):
        created = user.created_at.date().isoformat() if user.created_at else "-"
        state = "enabled" if user.enabled else "DISABLED"
        lines.append(f"{user.email or '-':<40} {user.status:<21} {state:<8} created {created}")
    if result.audit is not None:
        lines.append(f"audited: {result.audit.sort_key} ({result.audit.outcome.value})")
    return lines
