"""The API contract: response bodies, documented statuses per route, and the OpenAPI document."""
