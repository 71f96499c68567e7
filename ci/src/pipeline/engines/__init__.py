"""Engines turn a catalog stage into a running container (dagger, docker) or process (host)."""
