"""The local router: HAProxy in front of the stable and canary app instances (config, runtime
API client, process launch)."""
