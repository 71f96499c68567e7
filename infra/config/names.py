"""Physical resource names of one environment, derived from its name prefix in one place.

The template, the deployer and the smoke tests all need the same names; they read them here.
"""

from __future__ import annotations

from dataclasses import dataclass

LIVE_ALIAS = "live"


@dataclass(frozen=True)
class ResourceNames:
    """Names derived from an environment's `name_prefix` (e.g. `energy-insights-dev`)."""

    prefix: str

    @property
    def stack(self) -> str:
        return self.prefix

    @property
    def data_table(self) -> str:
        return f"{self.prefix}-data"

    @property
    def deployments_table(self) -> str:
        return f"{self.prefix}-deployments"

    @property
    def function(self) -> str:
        return f"{self.prefix}-api"

    @property
    def alias(self) -> str:
        return LIVE_ALIAS

    @property
    def http_api(self) -> str:
        return f"{self.prefix}-http-api"

    @property
    def alert_topic(self) -> str:
        return f"{self.prefix}-alerts"

    @property
    def user_pool(self) -> str:
        return f"{self.prefix}-users"

    @property
    def user_pool_client(self) -> str:
        return f"{self.prefix}-api-client"

    @property
    def function_log_group(self) -> str:
        return f"/aws/lambda/{self.function}"

    @property
    def access_log_group(self) -> str:
        return f"/aws/http-api/{self.http_api}"

    def reports_bucket(self, account_id: str, region: str) -> str:
        """The stack's report bucket (S3 names are global, so account and region are in it)."""
        return f"{self.prefix}-reports-{account_id}-{region}"

    def artifact_bucket(self, account_id: str, region: str) -> str:
        """Suggested name of the bucket the deployer uploads Lambda zips to before a deploy."""
        return f"{self.prefix}-artifacts-{account_id}-{region}"

    def as_dict(self) -> dict[str, str]:
        """The account-independent names, for `config show`."""
        return {
            "stack": self.stack,
            "data_table": self.data_table,
            "deployments_table": self.deployments_table,
            "function": self.function,
            "alias": self.alias,
            "http_api": self.http_api,
            "alert_topic": self.alert_topic,
            "user_pool": self.user_pool,
            "user_pool_client": self.user_pool_client,
            "function_log_group": self.function_log_group,
            "access_log_group": self.access_log_group,
        }
