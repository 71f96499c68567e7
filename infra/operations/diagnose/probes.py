"""HTTP probes shared by both targets: the app's /health and the issuer's JWKS."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from infra.operations.diagnose.facts import HealthFact, IssuerFact

PROBE_TIMEOUT_S = 5.0


def probe_health(base_url: str, timeout_s: float = PROBE_TIMEOUT_S) -> HealthFact:
    url = f"{base_url.rstrip('/')}/health"
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        return HealthFact(url, None, error="not an https:// (or loopback) URL")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:  # noqa: S310  # nosec B310
            return HealthFact(url, int(answer.status))
    except urllib.error.HTTPError as exc:
        failing: tuple[str, ...] = ()
        try:
            body = json.loads(exc.read() or b"{}")
            failing = tuple(str(name) for name in body.get("failing", []))
        except (ValueError, AttributeError):
            pass
        return HealthFact(url, exc.code, failing)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return HealthFact(url, None, error=f"{type(exc).__name__}: {reason}")


def probe_jwks(url: str, timeout_s: float = PROBE_TIMEOUT_S, emulator: str = "") -> IssuerFact:
    """The issuer's JWKS as the app would fetch it: https, the loopback, or plain http below
    the local emulator's URL (`emulator`; the app's own rule, app.settings)."""
    below_emulator = bool(emulator) and url.startswith(f"{emulator.rstrip('/')}/")
    if not (url.startswith(("https://", "http://127.0.0.1", "http://localhost")) or below_emulator):
        return IssuerFact(url, False, 0, "not an https:// (or loopback, or emulator) URL")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:  # noqa: S310  # nosec B310
            keys = json.loads(answer.read()).get("keys", [])
    except (urllib.error.URLError, OSError, ValueError, AttributeError) as exc:
        return IssuerFact(url, False, 0, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}")
    return IssuerFact(url, True, len(keys) if isinstance(keys, list) else 0)
