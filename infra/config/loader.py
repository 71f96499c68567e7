"""Load environment configs from `infra/environments/<env>.yaml` and validate them.

Every problem becomes a `ConfigProblem` naming the file, the dotted key and what is allowed.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from infra.config.model import ENVIRONMENT_NAMES, EnvironmentConfig
from infra.errors import EXIT_USAGE, InfraError

ENVIRONMENTS_DIR = Path(__file__).resolve().parent.parent / "environments"
_ROLLOUT_TAGS = frozenset({"set_weight", "pause", "analysis"})
# What a value matching each pattern-checked key looks like, for the error message.
_PATTERN_HINTS = {
    "account_id": "12 digits, e.g. 123456789012",
    "region": "an AWS region such as eu-west-1",
    "name_prefix": "lowercase letters, digits and '-', starting with a letter",
    "jwt.issuer": "an https:// URL such as https://auth.example.com/",
    "jwt.jwks_url": "an https:// URL such as https://auth.example.com/.well-known/jwks.json",
    "deploy.cloudformation_role": "an IAM role name: letters, digits and +=,.@_- (1-64)",
}


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in one config file."""

    file: str
    key: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.problem}"


class ConfigError(InfraError):
    """A config file is missing, unreadable or invalid; carries every problem found."""

    exit_code = EXIT_USAGE

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _shown(path: Path) -> str:
    """`path` relative to the working directory when it is inside it (shorter messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def environment_file(name: str, directory: Path = ENVIRONMENTS_DIR) -> Path:
    """The YAML file of environment `name`; refuses names that are not dev, staging or prod."""
    if name not in ENVIRONMENT_NAMES:
        raise ConfigError(
            [
                ConfigProblem(
                    _shown(directory),
                    "environment",
                    f"unknown environment {name!r}; allowed: {', '.join(ENVIRONMENT_NAMES)}",
                )
            ]
        )
    return directory / f"{name}.yaml"


def load_environment(name: str, directory: Path = ENVIRONMENTS_DIR) -> EnvironmentConfig:
    """Read and validate one environment's config; raise ConfigError naming file and key."""
    path = environment_file(name, directory)
    data = _read_yaml(path)
    try:
        config = EnvironmentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_problem(_shown(path), error) for error in exc.errors()]) from None
    if config.name != name:
        raise ConfigError(
            [
                ConfigProblem(
                    _shown(path), "name", f"is {config.name!r} but the file is for {name!r}"
                )
            ]
        )
    return config


def load_all(directory: Path = ENVIRONMENTS_DIR) -> dict[str, EnvironmentConfig]:
    """Every environment, in promotion order (dev, staging, prod); all problems reported at once."""
    configs: dict[str, EnvironmentConfig] = {}
    problems: list[ConfigProblem] = []
    for name in ENVIRONMENT_NAMES:
        try:
            configs[name] = load_environment(name, directory)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return configs


def _read_yaml(path: Path) -> Mapping[str, Any]:
    file = _shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [ConfigProblem(file, "(file)", "does not exist; create it from another environment's")]
        ) from None
    except OSError as exc:
        raise ConfigError(
            [ConfigProblem(file, "(file)", f"cannot be read: {exc.strerror}")]
        ) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass  # nosec B506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigProblem(file, where, f"is not valid YAML: {reason}")]) from None
    if not isinstance(data, Mapping):
        raise ConfigError(
            [ConfigProblem(file, "(top level)", "must be a mapping of keys such as name, region")]
        )
    return data


def _problem(file: str, error: ErrorDetails) -> ConfigProblem:
    loc = list(error["loc"])
    ctx = error.get("ctx") or {}
    if error["type"] == "unknown_key":
        return ConfigProblem(
            file, _dotted([*loc, ctx["unknown"]]), f"unknown key; allowed keys: {ctx['allowed']}"
        )
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "union_tag_not_found":
        message = f"needs a 'kind': one of {', '.join(sorted(_ROLLOUT_TAGS))}"
    elif error["type"] == "missing":
        message = "is required"
    elif "[key]" in loc:
        loc.remove("[key]")
        message = f"name is not allowed: {message}"
    elif error["type"] == "string_pattern_mismatch" and _dotted(loc) in _PATTERN_HINTS:
        message = f"must be {_PATTERN_HINTS[_dotted(loc)]} (got {error['input']!r})"
    elif not isinstance(error["input"], Mapping | list | tuple):
        message = f"{message} (got {error['input']!r})"
    return ConfigProblem(file, _dotted(loc), message)


def _dotted(loc: Sequence[int | str]) -> str:
    key = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif isinstance(previous, int) and part in _ROLLOUT_TAGS:
            pass  # pydantic puts the discriminator's value in the path; it is not a key
        else:
            key += f".{part}" if key else str(part)
        previous = part
    return key or "(top level)"
