"""Environment config: the real files load; bad input names its file, key and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import (
    ENVIRONMENT_NAMES,
    AnalysisStep,
    ConfigError,
    EnvironmentConfig,
    SetWeightStep,
    load_all,
    load_environment,
)
from tests.unit.infra.config.conftest import Mutate, rewrite


def set_key(dotted: str, value: Any) -> Mutate:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value

    return mutate


def drop_key(dotted: str) -> Mutate:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[part]
        del node[last]

    return mutate


def steps(*items: dict[str, Any]) -> Mutate:
    return set_key("rollout.steps", list(items))


def test_the_repository_environments_load() -> None:
    configs = load_all()
    assert tuple(configs) == ENVIRONMENT_NAMES
    assert all(isinstance(c, EnvironmentConfig) for c in configs.values())
    assert configs["dev"].names.function == "energy-insights-dev-api"


def test_prod_never_allows_fault_injection() -> None:
    assert load_environment("prod").fault_injection_allowed is False


def test_prod_rollout_is_a_canary_that_ends_at_full_weight() -> None:
    plan = load_environment("prod").rollout.steps
    weights = [s.weight for s in plan if isinstance(s, SetWeightStep)]
    assert weights[0] == 10
    assert weights[-1] == 100
    assert sum(isinstance(s, AnalysisStep) for s in plan) == 2


def test_defaults_come_from_the_slos(config_dir: Path) -> None:
    rewrite(config_dir, "dev", drop_key("alarms"))
    alarms = load_environment("dev", config_dir).alarms
    assert (alarms.error_rate, alarms.p95_latency_ms) == (0.01, 5000)
    assert (alarms.rollback_error_rate, alarms.rollback_p95_latency_ms) == (0.05, 10000)


def external(**jwt: Any) -> Mutate:
    def mutate(data: dict[str, Any]) -> None:
        data.setdefault("identity", {})["provider"] = "external"
        data["jwt"] = jwt

    return mutate


def test_jwks_url_defaults_to_the_issuers_well_known_path(config_dir: Path) -> None:
    rewrite(config_dir, "dev", external(issuer="https://auth.example.com/", audience="api"))
    jwt = load_environment("dev", config_dir).jwt
    assert jwt is not None
    assert jwt.jwks_endpoint == "https://auth.example.com/.well-known/jwks.json"


def test_the_environments_use_their_cognito_pool() -> None:
    for config in load_all().values():
        assert config.identity.provider == "cognito"
        assert config.jwt is None
    assert load_environment("prod").identity.changes_need_approval is True


@pytest.mark.parametrize(
    ("mutate", "key", "says"),
    [
        (set_key("colour", "blue"), "colour", "allowed keys: name, account_id"),
        (set_key("function.memroy_mb", 512), "function.memroy_mb", "allowed keys: memory_mb"),
        (set_key("name", "qa"), "name", "'dev', 'staging' or 'prod'"),
        (set_key("region", "EU"), "region", "an AWS region such as eu-west-1"),
        (set_key("account_id", "12345"), "account_id", "12 digits"),
        (set_key("account_id", 123456789012), "account_id", "valid string"),
        (set_key("name_prefix", "Energy"), "name_prefix", "lowercase letters"),
        (set_key("name_prefix", "a" * 25), "name_prefix", "at most 24 characters"),
        (set_key("function.memory_mb", 127), "function.memory_mb", "greater than or equal to 128"),
        (set_key("function.memory_mb", 10241), "function.memory_mb", "less than or equal to 10240"),
        (set_key("function.memory_mb", "512"), "function.memory_mb", "valid integer"),
        (set_key("function.timeout_s", 0), "function.timeout_s", "greater than or equal to 1"),
        (set_key("function.timeout_s", 30), "function.timeout_s", "less than or equal to 29"),
        (
            set_key("function.reserved_concurrency", 0),
            "function.reserved_concurrency",
            "greater than or equal to 1",
        ),
        (set_key("log_retention_days", 15), "log_retention_days", "14, 30"),
        (set_key("alarms.error_rate", 0), "alarms.error_rate", "greater than 0"),
        (set_key("alarms.error_rate", 1.5), "alarms.error_rate", "less than or equal to 1"),
        (set_key("alarms.rollback_error_rate", 0.009), "alarms.rollback_error_rate", "error_rate"),
        (
            set_key("alarms.rollback_p95_latency_ms", 4999),
            "alarms.rollback_p95_latency_ms",
            "at least p95_latency_ms",
        ),
        (set_key("feature_flags.reports", "yes"), "feature_flags.reports", "valid boolean"),
        (set_key("feature_flags.Bad-Flag", True), "feature_flags.Bad-Flag", "name is not allowed"),
        (set_key("fault_injection_allowed", "no"), "fault_injection_allowed", "valid boolean"),
        (set_key("jwt.issuer", "http://auth.example.com/"), "jwt.issuer", "https:// URL"),
        (
            set_key("deploy.cloudformation_role", "bad role!"),
            "deploy.cloudformation_role",
            "an IAM role name",
        ),
        (
            set_key("deploy.cloudformation_rol", "x"),
            "deploy.cloudformation_rol",
            "allowed keys: cloudformation_role",
        ),
        (external(issuer="https://auth.example.com/"), "jwt.audience", "is required"),
        (set_key("identity.provider", "external"), "jwt", "required when identity.provider"),
        (set_key("jwt", {"issuer": "https://a.example.com/", "audience": "x"}), "jwt", "only for"),
        (set_key("identity.provider", "auth0"), "identity.provider", "'cognito' or 'external'"),
        (set_key("identity.mfa", "sms"), "identity.mfa", "'off', 'optional' or 'required'"),
        (
            set_key("identity.password_min_length", 7),
            "identity.password_min_length",
            "greater than or equal to 8",
        ),
        (
            set_key("identity.access_token_hours", 25),
            "identity.access_token_hours",
            "less than or equal to 24",
        ),
        (set_key("identity.colour", 1), "identity.colour", "allowed keys: provider"),
        (set_key("log_level", "VERBOSE"), "log_level", "'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
        (drop_key("region"), "region", "is required"),
        (steps({"kind": "wait"}), "rollout.steps[0]", "'set_weight', 'pause', 'analysis'"),
        (steps({"weight": 100}), "rollout.steps[0]", "needs a 'kind'"),
        (
            steps({"kind": "set_weight", "weight": 100, "extra": 1}),
            "rollout.steps[0].extra",
            "allowed keys: kind, weight",
        ),
        (
            steps({"kind": "set_weight", "weight": 101}),
            "rollout.steps[0].weight",
            "less than or equal to 100",
        ),
        (steps({"kind": "set_weight", "weight": 50}), "rollout.steps", "last set_weight"),
        (steps({"kind": "pause", "seconds": 60}), "rollout.steps", "last set_weight"),
        (
            steps(*({"kind": "set_weight", "weight": w} for w in (60, 40, 100))),
            "rollout.steps",
            "must strictly increase",
        ),
        (
            steps({"kind": "analysis", "duration_s": 9}, {"kind": "set_weight", "weight": 100}),
            "rollout.steps[0].duration_s",
            "greater than or equal to 10",
        ),
    ],
)
def test_bad_values_name_file_key_and_what_is_allowed(
    config_dir: Path, mutate: Mutate, key: str, says: str
) -> None:
    path = rewrite(config_dir, "dev", mutate)
    with pytest.raises(ConfigError) as caught:
        load_environment("dev", config_dir)
    problems = {p.key: p for p in caught.value.problems}
    assert key in problems, f"no problem for {key}: {caught.value}"
    assert problems[key].file.endswith(str(Path(path.parent.name) / path.name))
    assert says in problems[key].problem
    assert str(problems[key]).startswith(problems[key].file + ": " + key + ": ")


@pytest.mark.parametrize(
    ("mutate", "attribute", "value"),
    [
        (set_key("function.memory_mb", 128), "memory_mb", 128),
        (set_key("function.memory_mb", 10240), "memory_mb", 10240),
        (set_key("function.timeout_s", 1), "timeout_s", 1),
        (set_key("function.timeout_s", 29), "timeout_s", 29),
        (set_key("function.reserved_concurrency", 1), "reserved_concurrency", 1),
    ],
)
def test_limits_themselves_are_accepted(
    config_dir: Path, mutate: Mutate, attribute: str, value: int
) -> None:
    rewrite(config_dir, "dev", mutate)
    assert getattr(load_environment("dev", config_dir).function, attribute) == value


def test_rollback_limits_equal_to_the_slo_are_accepted(config_dir: Path) -> None:
    rewrite(config_dir, "dev", set_key("alarms.rollback_error_rate", 0.01))
    assert load_environment("dev", config_dir).alarms.rollback_error_rate == 0.01


def test_prod_refuses_user_changes_without_approval(config_dir: Path) -> None:
    rewrite(config_dir, "prod", set_key("identity.changes_need_approval", False))
    with pytest.raises(ConfigError, match=r"prod\.yaml: identity: .*must be true for prod"):
        load_environment("prod", config_dir)


@pytest.mark.parametrize(("hours", "days", "ok"), [(24, 1, False), (23, 1, True)])
def test_refresh_tokens_outlive_access_tokens(
    config_dir: Path, hours: int, days: int, ok: bool
) -> None:
    mutate = set_key("identity", {"access_token_hours": hours, "refresh_token_days": days})
    rewrite(config_dir, "dev", mutate)
    if ok:
        assert load_environment("dev", config_dir).identity.refresh_token_days == days
    else:
        with pytest.raises(ConfigError, match=r"identity\.refresh_token_days: must last longer"):
            load_environment("dev", config_dir)


def test_prod_refuses_fault_injection(config_dir: Path) -> None:
    rewrite(config_dir, "prod", set_key("fault_injection_allowed", True))
    with pytest.raises(ConfigError, match=r"prod\.yaml: fault_injection_allowed: must be false"):
        load_environment("prod", config_dir)


def test_staging_may_allow_fault_injection(config_dir: Path) -> None:
    rewrite(config_dir, "staging", set_key("fault_injection_allowed", True))
    assert load_environment("staging", config_dir).fault_injection_allowed is True


def test_name_must_match_the_file(config_dir: Path) -> None:
    rewrite(config_dir, "staging", set_key("name", "dev"))
    with pytest.raises(ConfigError, match=r"staging\.yaml: name: is 'dev' but the file is for"):
        load_environment("staging", config_dir)


def test_unknown_environment_lists_the_known_ones(config_dir: Path) -> None:
    with pytest.raises(ConfigError, match="unknown environment 'qa'; allowed: dev, staging, prod"):
        load_environment("qa", config_dir)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("name: dev\nname: prod\n", "line 2: is not valid YAML: key 'name' is given twice"),
        ("name: [dev\n", "is not valid YAML"),
        ("- just\n- a list\n", "(top level): must be a mapping"),
        ("", "(top level): must be a mapping"),
    ],
)
def test_unreadable_yaml_is_reported_with_its_place(config_dir: Path, text: str, says: str) -> None:
    (config_dir / "dev.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_environment("dev", config_dir)
    assert "dev.yaml: " in str(caught.value)
    assert says in str(caught.value)


def test_missing_file_says_what_to_do(config_dir: Path) -> None:
    (config_dir / "staging.yaml").unlink()
    with pytest.raises(ConfigError, match=r"staging\.yaml: \(file\): does not exist; create it"):
        load_environment("staging", config_dir)


def test_a_directory_in_place_of_the_file_cannot_be_read(config_dir: Path) -> None:
    (config_dir / "dev.yaml").unlink()
    (config_dir / "dev.yaml").mkdir()
    with pytest.raises(ConfigError, match=r"dev\.yaml: \(file\): cannot be read"):
        load_environment("dev", config_dir)


def test_load_all_reports_every_broken_file_at_once(config_dir: Path) -> None:
    rewrite(config_dir, "dev", set_key("region", "nowhere"))
    rewrite(config_dir, "prod", set_key("function.memory_mb", 1))
    with pytest.raises(ConfigError) as caught:
        load_all(config_dir)
    keys = {(Path(p.file).name, p.key) for p in caught.value.problems}
    assert keys == {("dev.yaml", "region"), ("prod.yaml", "function.memory_mb")}


def test_config_is_frozen() -> None:
    config = load_environment("dev")
    with pytest.raises(ValueError, match="frozen"):
        config.region = "us-east-1"
