"""The two rollout targets: aws (Lambda alias `live`) and local (HAProxy in front of two app
instances). Each assembles a shifter and the metrics providers from ports the lead binds."""
