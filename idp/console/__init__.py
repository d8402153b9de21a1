"""The account console: security settings and sessions."""
