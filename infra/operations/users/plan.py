"""What a `users` command will do, decided before anything is called: the action, its subject,
and whether the environment lets it run without a named approver."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from infra.config.model import EnvironmentConfig
from infra.errors import EXIT_USAGE, InfraError, UsageError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 128


class UserAction(StrEnum):
    CREATE = "create"
    RESET_PASSWORD = "reset-password"  # noqa: S105  # pragma: allowlist secret
    DISABLE = "disable"
    LIST = "list"

    @property
    def changes(self) -> bool:
        return self is not UserAction.LIST

    @property
    def audit_action(self) -> str:
        return f"users.{self.value}"


class ApprovalRequired(InfraError):
    exit_code = EXIT_USAGE


class UnknownUser(InfraError):
    exit_code = EXIT_USAGE


class IdentityNotDeployed(InfraError):
    """The environment's user pool (or its app client) cannot be found."""


@dataclass(frozen=True)
class UsersRequest:
    env: str
    action: UserAction
    user: str = ""  # an e-mail for create; e-mail or pool username otherwise
    approved_by: str = ""


@dataclass(frozen=True)
class UserPlan:
    request: UsersRequest
    pool_name: str

    def describe(self) -> str:
        who = f" {self.request.user}" if self.request.user else ""
        approval = f" (approved by {self.request.approved_by})" if self.request.approved_by else ""
        return f"users {self.request.action.value}{who} in {self.pool_name}{approval}"


def parse_action(raw: str) -> UserAction:
    try:
        return UserAction(raw)
    except ValueError:
        choices = ", ".join(a.value for a in UserAction)
        raise UsageError(f"unknown users command {raw!r}; choose one of: {choices}") from None


def plan_users(request: UsersRequest, config: EnvironmentConfig) -> UserPlan:
    """The plan, or UsageError/ApprovalRequired (exit 2) naming what to fix."""
    if config.identity.provider != "cognito":
        raise UsageError(
            f"{config.name} uses an external identity provider (identity.provider: external): "
            "manage its users there"
        )
    action = request.action
    user = request.user.strip()
    if action.changes and not user:
        raise UsageError(f"users {action.value} needs the user: an e-mail address")
    if action is UserAction.CREATE and not _EMAIL.fullmatch(user):
        raise UsageError(f"users create: {user!r} is not an e-mail address (name@example.com)")
    if len(user) > MAX_NAME:
        raise UsageError(f"users {action.value}: the user name is longer than {MAX_NAME}")
    approved_by = request.approved_by.strip()
    if needs_approval(action, config.identity.changes_need_approval) and not approved_by:
        raise ApprovalRequired(
            f"users {action.value} on {config.name} needs --approved-by NAME: changes to "
            f"{config.name}'s users are made only with a second person's approval "
            "(identity.changes_need_approval in its config)"
        )
    clean = UsersRequest(request.env, action, user, approved_by)
    return UserPlan(clean, config.names.user_pool)


def needs_approval(action: UserAction, changes_need_approval: bool) -> bool:
    return action.changes and changes_need_approval
