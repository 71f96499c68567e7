"""Energy Insights delivery pipeline: one stage catalog, three engines (dagger, docker, host)."""
