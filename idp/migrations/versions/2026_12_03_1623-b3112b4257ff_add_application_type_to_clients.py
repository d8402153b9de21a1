"""add application type to clients

Revision ID: b3112b4257ff
Revises: 775b578a7ac8
Create Date: 2026-12-03 16:23:11.161856
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'b3112b4257ff'
down_revision: str | None = '775b578a7ac8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('idp_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('application_type', sa.String(length=16), server_default='web', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('idp_clients', schema=None) as batch_op:
        batch_op.drop_column('application_type')
