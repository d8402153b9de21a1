"""Self-service pages: create an account, recover one, accept an invitation."""
