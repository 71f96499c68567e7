"""Operations as code: diagnose, user management on the identity provider, operational reports
with DORA metrics. Libraries with injected clients and ports; the CLI wires them (README.md)."""
