"""add front-channel logout and pushed-request flags to clients

Revision ID: 775b578a7ac8
Revises: 36a62cba3671
Create Date: 2026-12-01 23:02:34.651416
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '775b578a7ac8'
down_revision: str | None = '36a62cba3671'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('idp_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frontchannel_logout_uri', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('frontchannel_logout_session_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('require_pushed_authorization_requests', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('idp_clients', schema=None) as batch_op:
        batch_op.drop_column('require_pushed_authorization_requests')
        batch_op.drop_column('frontchannel_logout_session_required')
        batch_op.drop_column('frontchannel_logout_uri')
