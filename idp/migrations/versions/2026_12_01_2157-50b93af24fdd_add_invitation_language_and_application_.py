"""add invitation language and application claims

Revision ID: 50b93af24fdd
Revises: aa9a629b1278
Create Date: 2026-12-01 21:57:03.725326
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '50b93af24fdd'
down_revision: str | None = 'aa9a629b1278'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idp_application_claims',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('portal_client_id', sa.String(length=64), nullable=False),
    sa.Column('application_number', sa.String(length=64), nullable=False),
    sa.Column('program', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('application_status', sa.String(length=64), nullable=False),
    sa.Column('unread_count', sa.Integer(), nullable=False),
    sa.Column('deep_link', sa.String(length=2000), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idp_application_claims'))
    )
    with op.batch_alter_table('idp_application_claims', schema=None) as batch_op:
        batch_op.create_index('ix_idp_application_claims_email_status', ['email', 'status'], unique=False)
        batch_op.create_index('ix_idp_application_claims_portal_number', ['portal_client_id', 'application_number'], unique=False)

    with op.batch_alter_table('idp_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), server_default='en', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('idp_invitations', schema=None) as batch_op:
        batch_op.drop_column('locale')

    with op.batch_alter_table('idp_application_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_idp_application_claims_portal_number')
        batch_op.drop_index('ix_idp_application_claims_email_status')

    op.drop_table('idp_application_claims')
