"""boto3 sessions per target: the standard credential chain for AWS, fixed fake credentials
for the emulator. Credentials are never printed; only where they came from."""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError

from infra.aws.errors import CredentialsError

EMULATOR_KEY = "testing"  # moto accepts any key; these are not secrets


def emulator_session(region: str) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=EMULATOR_KEY, aws_secret_access_key=EMULATOR_KEY, region_name=region
    )


def aws_session(region: str) -> tuple[boto3.Session, str]:
    """A session on the standard chain and the credential source's name, or CredentialsError."""
    try:
        session = boto3.Session(region_name=region)
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise CredentialsError(
            f"cannot load AWS credentials: {type(exc).__name__}: {exc}; check AWS_PROFILE and "
            "AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, or use --target local"
        ) from None
    if credentials is None:
        raise CredentialsError(
            "no AWS credentials found in the standard chain (environment, AWS_PROFILE, config "
            "files, SSO, container/instance role); configure one, or use --target local"
        )
    return session, str(getattr(credentials, "method", "unknown"))


def credential_source() -> str | None:
    """Where boto3's standard credential chain finds credentials (e.g. 'env'), or None."""
    try:
        credentials = boto3.Session().get_credentials()
    except BotoCoreError:  # a broken profile counts as none found
        return None
    if credentials is None:
        return None
    return str(getattr(credentials, "method", "") or "credential chain")
