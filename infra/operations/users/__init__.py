"""`users create|reset-password|disable|list --env E`: the environment's Cognito pool, audited."""
