"""The environment the app gets when it runs locally against the emulator: the one builder,
for `python -m app.local up` and for the environments the local release target serves."""

from __future__ import annotations

from collections.abc import Mapping

from app.local.dev_keys import LOCAL_AUDIENCE, LOCAL_ISSUER
from app.settings import Var

# moto accepts any credentials; these fixed fake ones are not secrets, and real ones never
# reach a local app.
EMULATOR_KEY = "testing"
# Settings that only make sense on AWS (the local app verifies tokens with one PEM key).
AWS_ONLY = (Var.JWT_JWKS_URL.value,)


def local_app_environment(
    settings: Mapping[str, str], *, emulator_url: str, public_pem: str, region: str
) -> dict[str, str]:
    """`settings` (the app's own EI_* variables) with auth switched to the local keypair, AWS
    pointed at the emulator, and fake credentials."""
    env = {k: v for k, v in settings.items() if k not in AWS_ONLY}
    env.update(
        {
            Var.JWT_ISSUER.value: LOCAL_ISSUER,
            Var.JWT_AUDIENCE.value: LOCAL_AUDIENCE,
            Var.JWT_PUBLIC_KEY.value: public_pem,
            "AWS_ENDPOINT_URL": emulator_url,
            "AWS_ACCESS_KEY_ID": EMULATOR_KEY,
            "AWS_SECRET_ACCESS_KEY": EMULATOR_KEY,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
        }
    )
    return env
