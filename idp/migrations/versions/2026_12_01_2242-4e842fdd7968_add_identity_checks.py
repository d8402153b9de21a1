"""add identity checks

Revision ID: 4e842fdd7968
Revises: a8e3ef652c06
Create Date: 2026-12-01 22:42:06.793788
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '4e842fdd7968'
down_revision: str | None = 'a8e3ef652c06'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idp_identity_checks',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idp_identity_checks')),
    sa.UniqueConstraint('reference', name=op.f('uq_idp_identity_checks_reference'))
    )
    with op.batch_alter_table('idp_identity_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idp_identity_checks_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idp_identity_checks_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('idp_identity_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idp_identity_checks_status'))
        batch_op.drop_index(batch_op.f('ix_idp_identity_checks_account_id'))

    op.drop_table('idp_identity_checks')
