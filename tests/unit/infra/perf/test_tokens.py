"""Tokens for the load: minted for the load's sites and scopes, never shown in a repr."""

from __future__ import annotations

import jwt

from app.local.dev_keys import LOCAL_AUDIENCE, LOCAL_ISSUER, generate_keys
from infra.perf.tokens import DevKeyTokens, StaticToken


def test_minted_tokens_carry_sites_scopes_and_a_lifetime_covering_the_run() -> None:
    keys = generate_keys()
    token = DevKeyTokens(keys.private_pem).token(["s1", "s2"], ["readings:read", "x"], 600)
    claims = jwt.decode(token, keys.public_pem, algorithms=["RS256"], audience=LOCAL_AUDIENCE)
    assert claims["iss"] == LOCAL_ISSUER
    assert claims["sites"] == ["s1", "s2"]
    assert claims["scope"] == "readings:read x"
    assert claims["exp"] - claims["iat"] == 600


def test_token_values_stay_out_of_reprs() -> None:
    assert "secret-value" not in repr(StaticToken("secret-value"))
    assert "PRIVATE" not in repr(DevKeyTokens("-----BEGIN PRIVATE KEY-----"))
    assert StaticToken("t").token(["a"], ["b"], 1) == "t"
