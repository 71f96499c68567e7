"""A real bundle build: reproducible, within budget, and importable from the zip alone."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra.artifact import MAX_BUNDLE_BYTES, Bundle, build_bundle
from infra.artifact.bundle import wheel_cache

REPO = Path(__file__).resolve().parents[4]  # tests/integration/infra/artifact -> repo

# Runs with ONLY the unzipped bundle on sys.path (-I -S: no site-packages, no PYTHON* vars).
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from app.lambda_handler import handler
import app, boto3, botocore
event = {
    "version": "2.0", "routeKey": "$default", "rawPath": "/version", "rawQueryString": "",
    "headers": {"host": "x"}, "isBase64Encoded": False,
    "requestContext": {"http": {"method": "GET", "path": "/version", "protocol": "HTTP/1.1",
                                "sourceIp": "1.2.3.4", "userAgent": "t"},
                       "requestId": "r", "routeKey": "$default", "stage": "$default"},
}
result = handler(event, None)
session = boto3.session.Session(region_name="eu-west-1")
for service in ("dynamodb", "s3"):
    session.client(service, aws_access_key_id="x", aws_secret_access_key="y")
print(json.dumps({"status": result["statusCode"], "body": json.loads(result["body"]),
                  "app": app.__file__, "botocore": botocore.__file__}))
"""


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Bundle, Bundle]:
    out = tmp_path_factory.mktemp("bundles")
    first = build_bundle(REPO, out / "one")
    second = build_bundle(REPO, out / "two")
    return first, second


@pytest.mark.slow
def test_building_twice_gives_the_same_digest(bundles: tuple[Bundle, Bundle]) -> None:
    first, second = bundles
    assert first.sha256 == second.sha256
    assert first.path.read_bytes() == second.path.read_bytes()
    assert wheel_cache(REPO).is_dir()
    manifest = json.loads((first.path.parent / "lambda.json").read_text())
    assert manifest["sha256"] == first.sha256
    assert manifest["runtime"] == "python3.11"


@pytest.mark.slow
def test_bundle_is_within_budget_and_has_no_dev_tooling(bundles: tuple[Bundle, Bundle]) -> None:
    bundle = bundles[0]
    assert bundle.size <= MAX_BUNDLE_BYTES
    with zipfile.ZipFile(bundle.path) as archive:
        names = set(archive.namelist())
    assert "app/lambda_handler.py" in names
    assert not any(name.startswith(("app/local/", "bin/", "moto/", "uvicorn/")) for name in names)
    assert not any(name.startswith("botocore/data/ec2/") for name in names)


@pytest.mark.slow
def test_bundle_imports_and_answers_from_the_zip_alone(
    bundles: tuple[Bundle, Bundle], tmp_path: Path
) -> None:
    from tests.unit.app.support import keys

    with zipfile.ZipFile(bundles[0].path) as archive:
        archive.extractall(tmp_path / "task")
    env = {
        "EI_ENV": "dev",
        "EI_TABLE_NAME": "t",
        "EI_REPORTS_BUCKET": "b",
        "EI_VERSION": "7.7.7",
        "EI_JWT_ISSUER": "https://issuer.test",
        "EI_JWT_AUDIENCE": "aud",
        "EI_JWT_PUBLIC_KEY": keys().public_pem,
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", PROBE, str(tmp_path / "task")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["body"]["version"] == "7.7.7"
    assert answer["app"].startswith(str(tmp_path / "task"))
    assert answer["botocore"].startswith(str(tmp_path / "task"))
