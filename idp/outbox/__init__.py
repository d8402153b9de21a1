"""The durable outbox and its dispatcher."""
