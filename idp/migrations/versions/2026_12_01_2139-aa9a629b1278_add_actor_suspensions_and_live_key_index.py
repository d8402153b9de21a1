"""add actor suspensions and one live signing key per state

`consent_actor_suspensions` records a suspended actor; `consent_delegations.suspended_from`
keeps the status a suspension stopped, for reinstatement. The unique partial index on
`keys_signing_keys` allows one `current` and one `next` key per algorithm.

Revision ID: aa9a629b1278
Revises: 0902a5543ea9
Create Date: 2026-12-01 21:39:18.480334
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'aa9a629b1278'
down_revision: str | None = '0902a5543ea9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_KEYS = sa.text("state IN ('current', 'next')")


def upgrade() -> None:
    op.create_table('consent_actor_suspensions',
    sa.Column('actor_subject', sa.String(length=64), nullable=False),
    sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('suspended_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('actor_subject', name=op.f('pk_consent_actor_suspensions'))
    )
    with op.batch_alter_table('consent_delegations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_from', sa.String(length=24), nullable=True))

    with op.batch_alter_table('keys_signing_keys', schema=None) as batch_op:
        batch_op.create_index(
            'uq_keys_signing_keys_alg_live_state',
            ['alg', 'state'],
            unique=True,
            postgresql_where=LIVE_KEYS,
            sqlite_where=LIVE_KEYS,
        )


def downgrade() -> None:
    with op.batch_alter_table('keys_signing_keys', schema=None) as batch_op:
        batch_op.drop_index('uq_keys_signing_keys_alg_live_state')

    with op.batch_alter_table('consent_delegations', schema=None) as batch_op:
        batch_op.drop_column('suspended_from')

    op.drop_table('consent_actor_suspensions')
