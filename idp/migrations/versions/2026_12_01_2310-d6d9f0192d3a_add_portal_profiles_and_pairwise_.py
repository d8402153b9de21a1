"""add portal profiles and pairwise subjects

Clients tied to their portal profile by slug (`idp portals sync`), their subject type and
sector (OpenID Connect Core §8), and the reverse lookup of the pairwise subjects handed out.

Revision ID: d6d9f0192d3a
Revises: 53cbb45fa317
Create Date: 2026-12-01 23:00:40.869334
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'd6d9f0192d3a'
down_revision: str | None = '53cbb45fa317'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idp_pairwise_subjects',
    sa.Column('sector', sa.String(length=253), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('sector', 'account_id', name=op.f('pk_idp_pairwise_subjects')),
    sa.UniqueConstraint('sector', 'subject', name=op.f('uq_idp_pairwise_subjects_sector'))
    )
    with op.batch_alter_table('idp_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_slug', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('subject_type', sa.String(length=16), server_default='public', nullable=False))
        batch_op.add_column(sa.Column('sector_identifier', sa.String(length=253), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_idp_clients_profile_slug'), ['profile_slug'])



def downgrade() -> None:
    with op.batch_alter_table('idp_clients', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_idp_clients_profile_slug'), type_='unique')
        batch_op.drop_column('sector_identifier')
        batch_op.drop_column('subject_type')
        batch_op.drop_column('profile_slug')

    op.drop_table('idp_pairwise_subjects')
