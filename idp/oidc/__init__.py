"""oidc."""
