"""The base of every config section: frozen, and an unknown key is an error naming the allowed
ones. Its own module so section modules (`infra/config/<section>.py`) and `model.py` can both
import it without a cycle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError


class ConfigModel(BaseModel):
    """Frozen, and an unknown key is an error listing the keys that are allowed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            allowed = tuple(cls.model_fields)
            unknown = sorted(str(key) for key in data if key not in allowed)
            if unknown:
                raise PydanticCustomError(
                    "unknown_key",
                    "unknown key {unknown}; allowed keys: {allowed}",
                    {"unknown": unknown[0], "allowed": ", ".join(allowed)},
                )
        return data
