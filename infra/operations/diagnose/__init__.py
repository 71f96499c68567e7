"""`diagnose --env E [--symptom S]`: the troubleshooting trees' checks, run automatically."""
