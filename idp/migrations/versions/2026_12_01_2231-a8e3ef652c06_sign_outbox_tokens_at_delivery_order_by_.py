"""sign outbox tokens at delivery, order by destination, keep dead letters

Revision ID: a8e3ef652c06
Revises: 50b93af24fdd
Create Date: 2026-12-01 22:31:43.271010

Rows queued before this revision keep their signed body and no destination: the
dispatcher orders them by their URL instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a8e3ef652c06'
down_revision: str | None = '50b93af24fdd'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('idp_outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('destination', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('claims', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('alg', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('token_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('token_ttl_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('form_field', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('event_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dead_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_idp_outbox_messages_destination', ['destination', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('idp_outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_idp_outbox_messages_destination')
        batch_op.drop_column('dead_at')
        batch_op.drop_column('leased_until')
        batch_op.drop_column('event_id')
        batch_op.drop_column('form_field')
        batch_op.drop_column('token_ttl_seconds')
        batch_op.drop_column('token_type')
        batch_op.drop_column('alg')
        batch_op.drop_column('claims')
        batch_op.drop_column('destination')

