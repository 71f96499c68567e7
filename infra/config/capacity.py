"""The `data_table` section: the app table's DynamoDB capacity mode and its limits.

On-demand (the default) may carry request-unit caps; provisioned capacity needs read and write
autoscaling ranges. The capacity report (`infra.perf.capacity`) compares measured load with
these settings.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt, ValidationInfo, field_validator, model_validator

from infra.config.base import ConfigModel

Units = Annotated[StrictInt, Field(ge=1, le=40_000)]


class AutoScaling(ConfigModel):
    """Provisioned units between `min_units` and `max_units`, tracking a utilization target."""

    min_units: Units
    max_units: Units
    target_utilization_percent: Annotated[StrictInt, Field(ge=20, le=90)] = 70

    @field_validator("max_units")
    @classmethod
    def _range(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("min_units")
        if low is not None and value < low:
            raise ValueError(f"must be at least min_units ({low})")
        return value


class TableCapacity(ConfigModel):
    """`on_demand` (optional caps per second) or `provisioned` (read/write autoscaling)."""

    billing_mode: Literal["on_demand", "provisioned"] = "on_demand"
    read: AutoScaling | None = None
    write: AutoScaling | None = None
    max_read_request_units: Units | None = None
    max_write_request_units: Units | None = None

    @model_validator(mode="after")
    def _fits_the_mode(self) -> TableCapacity:
        if self.billing_mode == "provisioned":
            missing = [name for name in ("read", "write") if getattr(self, name) is None]
            if missing:
                raise ValueError(
                    f"billing_mode provisioned needs {' and '.join(missing)} "
                    "(min_units, max_units): the table's capacity range"
                )
            if self.max_read_request_units or self.max_write_request_units:
                raise ValueError(
                    "max_read_request_units / max_write_request_units cap on-demand tables "
                    "only; with provisioned capacity set read.max_units / write.max_units"
                )
        elif self.read is not None or self.write is not None:
            raise ValueError(
                "read/write autoscaling applies to billing_mode provisioned only; on_demand "
                "takes max_read_request_units / max_write_request_units"
            )
        return self
