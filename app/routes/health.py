"""GET /health (deep: DynamoDB and S3 within a timeout) and GET /version."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, TimeoutError, wait
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from app.contract.bodies import Health, Version
from app.contract.responses import RETRY_AFTER, documented
from app.observability import logger
from app.services import Services, services
from app.storage.errors import StoreError

router = APIRouter()
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")


def probe_all(checks: dict[str, Callable[[], None]], timeout_s: float) -> dict[str, str]:
    """Run the checks concurrently; name -> "ok" or the reason it failed or timed out."""
    futures = {name: _probes.submit(check) for name, check in checks.items()}
    wait(futures.values(), timeout=timeout_s)
    results: dict[str, str] = {}
    for name, future in futures.items():
        if not future.done():
            results[name] = f"no answer within {timeout_s:g}s"
            continue
        try:
            future.result(timeout=0)
            results[name] = "ok"
        except (StoreError, TimeoutError) as exc:
            results[name] = str(exc)
        except Exception as exc:
            results[name] = type(exc).__name__
    return results


@router.get(
    "/health",
    response_model=None,
    responses={
        **documented(500, ok=(200, Health, "Every dependency answered.")),
        503: {
            "model": Health,
            "description": "A dependency failed or timed out; `failing` names it.",
            "headers": {"Retry-After": RETRY_AFTER},
        },
    },
    description="Public. Deep check: DynamoDB and S3, concurrently, within the health timeout.",
)
def health(svc: Annotated[Services, Depends(services)]) -> JSONResponse:
    settings = svc.settings
    results = probe_all(
        {"dynamodb": lambda: svc.table.ping(), "s3": lambda: svc.bucket.ping()},
        settings.health_timeout_s,
    )
    failing = sorted(name for name, result in results.items() if result != "ok")
    body: dict[str, Any] = {
        "status": "ok" if not failing else "unavailable",
        "version": settings.version,
        "commit": settings.commit,
        "checks": results,
    }
    if failing:
        body["failing"] = failing
        logger.warning("health check failed", extra={"checks": results})
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse(body)


@router.get(
    "/version",
    response_model=None,
    responses=documented(500, ok=(200, Version, "What this process runs.")),
    description="Public. The release version, commit and artifact digest of this process.",
)
def version(svc: Annotated[Services, Depends(services)]) -> dict[str, str]:
    settings = svc.settings
    return {
        "version": settings.version,
        "commit": settings.commit,
        "artifact_digest": settings.artifact_digest,
        "environment": settings.env,
    }
