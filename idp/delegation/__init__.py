"""Delegation at the composition root: consent operations with their side effects.

- `service.py`: grant, ask, accept, approve, revoke, change, suspend, as the console, the
  CLI and the portal API call them; who counts as an approved representative.
- `events.py`: the `consent.DelegationEvents` the service runs with: Security Event Tokens
  telling portals (`SecurityEventOutbox`).
"""
