"""`users` plans: refusals (exit 2) before any call, approval by environment config."""

from __future__ import annotations

import pytest

from infra.config import load_environment
from infra.errors import UsageError
from infra.operations.users.plan import (
    ApprovalRequired,
    UserAction,
    UsersRequest,
    needs_approval,
    parse_action,
    plan_users,
)


@pytest.mark.parametrize(
    ("action", "configured", "needed"),
    [
        (UserAction.LIST, True, False),
        (UserAction.LIST, False, False),
        (UserAction.CREATE, True, True),
        (UserAction.RESET_PASSWORD, True, True),
        (UserAction.DISABLE, True, True),
        (UserAction.DISABLE, False, False),
    ],
)
def test_approval_is_needed_for_changes_where_configured(
    action: UserAction, configured: bool, needed: bool
) -> None:
    assert needs_approval(action, configured) is needed


@pytest.mark.parametrize(
    ("env", "action", "user", "approved_by", "error", "says"),
    [
        ("prod", UserAction.CREATE, "a@example.com", "", ApprovalRequired, "--approved-by"),
        ("prod", UserAction.DISABLE, "a@example.com", "  ", ApprovalRequired, "--approved-by"),
        ("dev", UserAction.CREATE, "not-an-email", "", UsageError, "not an e-mail address"),
        ("dev", UserAction.CREATE, "a@b", "", UsageError, "not an e-mail address"),
        ("dev", UserAction.DISABLE, "", "", UsageError, "needs the user"),
        ("dev", UserAction.RESET_PASSWORD, "x" * 129, "", UsageError, "longer than 128"),
    ],
)
def test_refusals_name_what_to_fix(
    env: str, action: UserAction, user: str, approved_by: str, error: type, says: str
) -> None:
    with pytest.raises(error, match=says) as caught:
        plan_users(UsersRequest(env, action, user, approved_by), load_environment(env))
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("env", "action", "user", "approved_by", "shown"),
    [
        ("prod", UserAction.LIST, "", "", "users list in energy-insights-prod-users"),
        (
            "prod",
            UserAction.CREATE,
            " a@example.com ",
            "lead",
            "users create a@example.com in energy-insights-prod-users (approved by lead)",
        ),
        ("staging", UserAction.DISABLE, "a@example.com", "", "users disable a@example.com in"),
        ("dev", UserAction.RESET_PASSWORD, "x" * 128, "", "users reset-password xxx"),
    ],
)
def test_plans_that_may_run(
    env: str, action: UserAction, user: str, approved_by: str, shown: str
) -> None:
    plan = plan_users(UsersRequest(env, action, user, approved_by), load_environment(env))
    assert plan.describe().startswith(shown)


def test_unknown_command_lists_the_choices() -> None:
    with pytest.raises(UsageError, match="create, reset-password, disable, list"):
        parse_action("delete")
    assert parse_action("reset-password") is UserAction.RESET_PASSWORD
