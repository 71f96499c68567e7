"""What a perf run will do, decided before anything runs (pure): which load and where it came
from, the sites, the thresholds, and the profile key that finds a comparable baseline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from infra.config.model import EnvironmentConfig
from infra.config.perf import BaselinePolicy, LoadProfile, PerfThresholds
from infra.perf.emulator import EmulatorCapacity
from infra.perf.errors import PerfConfigError
from infra.perf.journeys import JOURNEYS_VERSION, site_ids

TARGETS = ("local", "aws")


@dataclass(frozen=True)
class PerfPlan:
    env: str
    target: str
    profile: LoadProfile
    profile_source: str  # where the load settings came from, for the report
    min_requests_key: str
    sites: tuple[str, ...]
    thresholds: PerfThresholds
    policy: BaselinePolicy
    progress_interval_s: int
    comparable: str = ""  # local: the emulator's table band (EmulatorCapacity.comparable_key)

    @property
    def profile_key(self) -> str:
        """Runs are comparable (baseline) only with the same target, load and journeys."""
        p = self.profile
        return (
            f"{self.target} users={p.users} spawn={p.spawn_rate_per_s:g}/s "
            f"duration={p.duration_s}s wait={p.wait_min_s:g}-{p.wait_max_s:g}s "
            f"sites={p.sites} journeys=v{JOURNEYS_VERSION}"
            + (f" {self.comparable}" if self.comparable else "")
        )

    def describe(self) -> list[str]:
        p = self.profile
        return [
            f"perf {self.env} ({self.target} target): {p.users} users, spawn "
            f"{p.spawn_rate_per_s:g}/s, {p.duration_s} s, think time "
            f"{p.wait_min_s:g}-{p.wait_max_s:g} s, {len(self.sites)} sites ({self.profile_source})",
            f"  thresholds: interactive p95 <= {self.thresholds.p95_ms} ms, long operations "
            f"<= {self.thresholds.long_operation_p95_ms} ms, report generation <= "
            f"{self.thresholds.report_generation_p95_ms} ms, errors <= "
            f"{self.thresholds.error_rate:.2%}, at least {p.min_requests} requests",
            f"  baseline: last green run with profile '{self.profile_key}', margin "
            f"{self.policy.regression_margin:.0%}, noise floor {self.policy.noise_floor_ms} ms",
        ]


def plan_perf(
    config: EnvironmentConfig,
    target: str,
    overrides: dict[str, Any] | None = None,
    emulator: EmulatorCapacity | None = None,
) -> PerfPlan:
    """The plan, or PerfConfigError (exit 2) naming the key: no perf section, prod not allowed,
    an override that makes no sense."""
    env = config.name
    if target not in TARGETS:
        raise PerfConfigError(f"target {target!r} is not one of {', '.join(TARGETS)}")
    perf = config.perf
    if perf is None:
        raise PerfConfigError(
            f"infra/environments/{env}.yaml: perf: missing; add a perf section (load, local_load, "
            "thresholds: see staging.yaml) before running a perf gate on it"
        )
    if env == "prod" and not perf.allow_prod:
        raise PerfConfigError(
            "infra/environments/prod.yaml: perf.allow_prod is false: a load test against "
            "production is refused; run it on staging, or set perf.allow_prod: true deliberately"
        )
    section = "local_load" if target == "local" else "load"
    profile: LoadProfile = getattr(perf, section)
    source = f"perf.{section} in infra/environments/{env}.yaml"
    if target == "local":
        source += " (a cap sized for 2 shared cores)"
        derived = emulator.local_load(profile) if emulator is not None else None
        if emulator is None:
            source += "; not checked against the emulator's ceiling (no capacity data)"
        elif derived is None:
            source += "; within the emulator's ceiling with headroom"
        else:
            source += (
                f"; users {profile.users} -> {derived.users} and min_requests "
                f"{profile.min_requests} -> {derived.min_requests} by the emulator's ceiling"
            )
            profile = derived
    if overrides:
        profile = _overridden(profile, overrides)
        source += f"; overridden: {', '.join(f'{k}={v}' for k, v in sorted(overrides.items()))}"
    return PerfPlan(
        env=env,
        target=target,
        profile=profile,
        profile_source=source,
        min_requests_key=f"perf.{section}.min_requests",
        sites=site_ids(env, profile.sites),
        thresholds=perf.thresholds,
        policy=perf.baseline,
        progress_interval_s=perf.progress_interval_s,
        comparable=emulator.comparable_key() if target == "local" and emulator else "",
    )


def _overridden(profile: LoadProfile, overrides: dict[str, Any]) -> LoadProfile:
    try:
        return LoadProfile.model_validate({**profile.model_dump(), **overrides})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'load'}: {e['msg']}" for e in exc.errors()
        )
        raise PerfConfigError(f"load override refused: {problems}") from None
