"""Alembic history of every package's tables (`versions/`), and the runner that applies it."""
