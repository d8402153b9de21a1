"""Add family invitations and legacy accounts

`idp_family_invitations`: the appointment as designated individual waiting for an invited
family member's account (idp/family). `idp_legacy_accounts`: accounts exported from legacy
portals, staged until a person proves and links one (idp/legacy); unique per legacy
portal and username, so a re-import updates instead of duplicating.

Revision ID: 36a62cba3671
Revises: d6d9f0192d3a
Create Date: 2026-12-01 23:11:06.626046
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '36a62cba3671'
down_revision: str | None = 'd6d9f0192d3a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idp_family_invitations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('invitation_id', sa.String(length=32), nullable=False),
    sa.Column('principal_subject', sa.String(length=64), nullable=False),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('application_ids', sa.JSON(), nullable=False),
    sa.Column('portal_client_id', sa.String(length=64), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('delegation_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idp_family_invitations')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_idp_family_invitations_invitation_id'))
    )
    with op.batch_alter_table('idp_family_invitations', schema=None) as batch_op:
        batch_op.create_index('ix_idp_family_invitations_principal', ['principal_subject'], unique=False)

    op.create_table('idp_legacy_accounts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('legacy_portal', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=512), nullable=True),
    sa.Column('applications', sa.JSON(), nullable=False),
    sa.Column('portal_client_id', sa.String(length=64), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('linked_account_id', sa.String(length=32), nullable=True),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('linked_by', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idp_legacy_accounts')),
    sa.UniqueConstraint('legacy_portal', 'username', name=op.f('uq_idp_legacy_accounts_legacy_portal'))
    )
    with op.batch_alter_table('idp_legacy_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_idp_legacy_accounts_email', ['email'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('idp_legacy_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_idp_legacy_accounts_email')

    op.drop_table('idp_legacy_accounts')
    with op.batch_alter_table('idp_family_invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_idp_family_invitations_principal')

    op.drop_table('idp_family_invitations')
