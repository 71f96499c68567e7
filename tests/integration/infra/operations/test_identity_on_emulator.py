"""The identity provider on a real moto server: the local pool and app client, `users`
commands with their audit records, real sign-in and refresh, and the app verifying the
emulator's tokens through the JWKS the emulator serves."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.auth import TokenRejected, TokenVerifier
from app.local.provision import create_bucket, create_table
from app.main import create_app
from app.services import Services
from app.settings import FaultSettings, Settings, load_extra_issuer
from app.storage.clients import build_clients
from infra.aws import AwsClients, Endpoint
from infra.aws.cognito import SignInRefused
from infra.aws.items import ItemTable
from infra.aws.sessions import EMULATOR_KEY, emulator_session
from infra.config import load_environment
from infra.deploy.table_items import PARTITION_KEY, SORT_KEY
from infra.operations.audit import AuditOutcome, AuditStore
from infra.operations.users.commands import render_users, run_users
from infra.operations.users.local_identity import add_test_user, ensure_local_identity, sign_in
from infra.operations.users.plan import ApprovalRequired, UnknownUser, UserAction, UsersRequest
from infra.operations.users.pool import find_pool
from tests.unit.app import support

pytestmark = pytest.mark.emulator
REGION = "eu-west-1"
PASSWORD = "Local-Test-Passw0rd!"  # pragma: allowlist secret  (a throwaway, on the emulator)


class TickingClock:
    """Each reading is a second after the previous one (records sort in the order made)."""

    def __init__(self) -> None:
        self._at = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self._at += timedelta(seconds=1)
        return self._at

    def sleep(self, seconds: float) -> None:
        raise AssertionError("nothing here waits")


CLOCK = TickingClock()


def reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback test server
        pass


@pytest.fixture
def clients(moto_endpoint: str) -> Iterator[AwsClients]:
    reset(moto_endpoint)
    yield AwsClients(emulator_session(REGION), Endpoint(REGION, moto_endpoint, emulator=True))
    reset(moto_endpoint)


def audit_store(clients: AwsClients, env: str) -> AuditStore:
    table = load_environment(env).names.deployments_table
    clients.dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": SORT_KEY, "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return AuditStore(ItemTable(clients, table), env)


def users(
    clients: AwsClients, env: str, store: AuditStore, action: UserAction, **kw: str
) -> object:
    return run_users(
        UsersRequest(env, action, **kw),
        config=load_environment(env),
        clients=clients,
        audit=store,
        clock=CLOCK,
        actor="ops@test",
    )


def test_local_pool_is_created_once_and_found_by_name(clients: AwsClients) -> None:
    config = load_environment("staging")
    first = ensure_local_identity(clients, config)
    again = ensure_local_identity(clients, config)
    assert first.created == (
        "user pool energy-insights-staging-users",
        "app client energy-insights-staging-api-client",
    )
    assert again.created == ()
    assert again.pool == first.pool == find_pool(clients, config)
    described = clients.cognito_idp.describe_user_pool(UserPoolId=first.pool.pool_id)["UserPool"]
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_users_commands_are_audited_and_sign_in_is_real(clients: AwsClients) -> None:
    identity = ensure_local_identity(clients, load_environment("staging"))
    store = audit_store(clients, "staging")
    created = users(clients, "staging", store, UserAction.CREATE, user="ann@example.com")
    listed = users(clients, "staging", store, UserAction.LIST)
    assert [u.email for u in listed.users] == ["ann@example.com"]  # type: ignore[attr-defined]
    assert listed.users[0].status == "FORCE_CHANGE_PASSWORD"  # type: ignore[attr-defined]
    assert "audited: audit#2026-06-01T12:" in "\n".join(render_users(created))  # type: ignore[arg-type]

    add_test_user(clients, identity.pool, "bob@example.com", PASSWORD)
    tokens = sign_in(clients, identity.pool, "bob@example.com", PASSWORD)
    assert tokens.refresh_token
    assert PASSWORD not in repr(tokens) and tokens.access_token not in repr(tokens)

    users(clients, "staging", store, UserAction.DISABLE, user="bob@example.com")
    with pytest.raises(SignInRefused, match="NotAuthorizedException"):
        sign_in(clients, identity.pool, "bob@example.com", PASSWORD)
    from infra.aws.cognito import SignIn

    with pytest.raises(SignInRefused):  # revoked by the global sign-out that disable does
        SignIn(clients, identity.pool.client_id).refresh(tokens.refresh_token)

    records = store.recent()
    assert [(r.action, r.subject, r.outcome) for r in records] == [
        ("users.disable", "bob@example.com", AuditOutcome.SUCCEEDED),
        ("users.create", "ann@example.com", AuditOutcome.SUCCEEDED),
    ]
    assert {r.actor for r in records} == {"ops@test"}


def test_prod_changes_need_an_approver_and_unknown_users_list_the_known(
    clients: AwsClients,
) -> None:
    ensure_local_identity(clients, load_environment("prod"))
    store = audit_store(clients, "prod")
    with pytest.raises(ApprovalRequired, match="needs --approved-by NAME") as refused:
        users(clients, "prod", store, UserAction.CREATE, user="ann@example.com")
    assert refused.value.exit_code == 2
    assert store.recent() == []  # refused before any call
    users(clients, "prod", store, UserAction.CREATE, user="ann@example.com", approved_by="lead")
    with pytest.raises(UnknownUser, match=r"no user 'zed@example\.com'.*ann@example\.com") as bad:
        users(
            clients,
            "prod",
            store,
            UserAction.RESET_PASSWORD,
            user="zed@example.com",
            approved_by="lead",
        )
    assert bad.value.exit_code == 2
    users(
        clients,
        "prod",
        store,
        UserAction.RESET_PASSWORD,
        user="ann@example.com",
        approved_by="lead",
    )
    latest = store.recent()[0]
    assert (latest.action, latest.approved_by) == ("users.reset-password", "lead")
    assert "invitation with a new temporary password re-sent" in latest.detail

    pool = find_pool(clients, load_environment("prod"))
    add_test_user(clients, pool, "dan@example.com", PASSWORD)
    users(
        clients,
        "prod",
        store,
        UserAction.RESET_PASSWORD,
        user="dan@example.com",
        approved_by="lead",
    )
    assert "e-mailed a code" in store.recent()[0].detail
    assert "status RESET_REQUIRED" in store.recent()[0].detail


def test_the_app_verifies_the_emulators_tokens_through_its_jwks(
    clients: AwsClients, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool is the app's second issuer, next to the release key (what local serving sets
    up). Its access tokens are verified through the emulator's JWKS; its ID tokens are refused
    as on AWS; and since the emulator runs no pre-token-generation trigger, its tokens carry
    none of the API's scopes: verified, then refused with 403 (the documented gap)."""
    identity = ensure_local_identity(clients, load_environment("dev"))
    add_test_user(clients, identity.pool, "cara@example.com", PASSWORD)
    tokens = sign_in(clients, identity.pool, "cara@example.com", PASSWORD)
    # The served app has AWS_ENDPOINT_URL set to the emulator (plain http is allowed below it:
    # in the integration stage the emulator is http://emulator:5000, not the loopback).
    extra = load_extra_issuer({**identity.app_environment(), "AWS_ENDPOINT_URL": moto_endpoint})
    assert extra is not None
    assert (extra.issuer, extra.jwks_url) == (identity.pool.issuer, identity.jwks_url)
    auth = replace(support.settings().auth, extra=extra)
    from infra.operations.diagnose.probes import probe_jwks

    served = probe_jwks(identity.jwks_url, emulator=moto_endpoint)
    assert (served.reachable, served.keys) == (True, 1)
    assert probe_jwks("http://127.0.0.1:9/none/.well-known/jwks.json").reachable is False
    verifier = TokenVerifier(auth)
    principal = verifier.verify(tokens.access_token)
    assert principal.subject
    assert principal.scopes == frozenset() and principal.sites == frozenset()
    with pytest.raises(TokenRejected, match="token_use 'id' is not 'access'"):
        verifier.verify(tokens.id_token)  # Cognito ID tokens carry token_use id; moto's too
    refreshed = identity_refresh(clients, identity.pool.client_id, tokens.refresh_token)
    assert verifier.verify(refreshed).subject == principal.subject

    for name, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": EMULATOR_KEY,
        "AWS_SECRET_ACCESS_KEY": EMULATOR_KEY,
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    storage = build_clients()
    create_table(storage.dynamodb, "ops-identity-test")
    create_bucket(storage.s3, "ops-identity-test-reports", REGION)
    settings = Settings(
        env="dev",
        table_name="ops-identity-test",
        reports_bucket="ops-identity-test-reports",
        version="1.0.0",
        commit="abc1234",
        artifact_digest="unknown",
        auth=auth,
        faults=FaultSettings(),
    )
    app = create_app(svc=Services(settings, clients=lambda: storage))
    with TestClient(app) as api:
        pool_user = api.get("/sites/nowhere", headers={"Authorization": f"Bearer {refreshed}"})
        release_key = api.get("/sites/nowhere", headers=support.auth_header(sites=("nowhere",)))
        id_token = api.get("/sites/nowhere", headers={"Authorization": f"Bearer {tokens.id_token}"})
        anonymous = api.get("/sites/nowhere")
    assert pool_user.status_code == 403  # verified, but no trigger added the API's scopes
    assert "readings:read" in pool_user.headers["WWW-Authenticate"]
    assert release_key.status_code == 404  # the release key's tokens still work: no such site
    assert id_token.status_code == 401
    assert anonymous.status_code == 401


def identity_refresh(clients: AwsClients, client_id: str, refresh_token: str | None) -> str:
    from infra.aws.cognito import SignIn

    assert refresh_token is not None
    return SignIn(clients, client_id).refresh(refresh_token).access_token


def test_emulator_gaps_are_as_documented(clients: AwsClients) -> None:
    """What docs/operations/users.md says the emulator does differently from Cognito; if moto
    changes, this fails and the page must be updated."""
    from infra.aws.cognito import PoolUsers, SignIn

    identity = ensure_local_identity(clients, load_environment("dev"))
    pool_users = PoolUsers(clients, identity.pool.pool_id)
    pool_users.create("eve@example.com")
    pool_users.resend_invitation("eve@example.com")
    # Cognito re-sends the invitation; moto adds a second user with the same e-mail.
    assert [u.email for u in pool_users.list()] == ["eve@example.com", "eve@example.com"]

    add_test_user(clients, identity.pool, "fay@example.com", PASSWORD)
    tokens = sign_in(clients, identity.pool, "fay@example.com", PASSWORD)
    assert tokens.refresh_token is not None
    clients.cognito_idp.admin_disable_user(
        UserPoolId=identity.pool.pool_id, Username="fay@example.com"
    )
    # Cognito refuses a disabled user's refresh token; moto still refreshes it (our `disable`
    # also signs the user out globally, which moto does honour).
    assert SignIn(clients, identity.pool.client_id).refresh(tokens.refresh_token).access_token

    add_test_user(clients, identity.pool, "gus@example.com", PASSWORD)
    pool_users.reset_password("gus@example.com")
    assert pool_users.get("gus@example.com").status == "RESET_REQUIRED"
    # Cognito answers PasswordResetRequiredException; moto still signs the user in.
    assert sign_in(clients, identity.pool, "gus@example.com", PASSWORD).access_token


def test_no_pool_yet_says_deploy_first(clients: AwsClients) -> None:
    from infra.operations.diagnose.collectors import identity_fact
    from infra.operations.users.plan import IdentityNotDeployed

    config = load_environment("staging")
    with pytest.raises(IdentityNotDeployed, match=r"deploy the environment first") as caught:
        find_pool(clients, config)
    assert caught.value.exit_code == 1
    fact = identity_fact(clients, config)
    assert fact.pool_found is False
    assert "no user pool energy-insights-staging-users" in fact.detail
