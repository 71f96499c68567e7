"""The FastAPI dependency that turns an Authorization header into a Principal (or a 401)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from app.auth import Principal, bearer_token
from app.services import Services, services


def principal(
    svc: Annotated[Services, Depends(services)],
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    return svc.verifier.verify(bearer_token(authorization))


Authenticated = Annotated[Principal, Depends(principal)]
