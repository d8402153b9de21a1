"""make the invitation in force unique per inviter and email

Asking again issues the invitation an inviter has in force for an email (not accepted, not
superseded, not one to claim an unclaimed identity); two requests at the same instant could
both add one. A unique partial index per inviter and email now refuses the second (the CLI's
invitations, with no inviter, get their own: NULLs are distinct in a unique index), and
`superseded_at` takes an invitation out of it once a newer one replaces it.

Existing rows can break the index: each retry added an invitation before retries reused the
open one, and inviting again after an invitation expired added a new one beside it. So
before the index, each invitation in force that has a newer one of the same inviter for
the same email is superseded as of that newer one's creation, and its link stops working
then if it still worked (the person was sent the newer link, as asking again does now).
The newest of each stays in force. No row is deleted (family invitations point at them).

Revision ID: a0b33d27bd1c
Revises: b3112b4257ff
Create Date: 2026-12-03 16:24:27.383663
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a0b33d27bd1c'
down_revision: str | None = 'b3112b4257ff'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_FORCE = "accepted_at IS NULL AND account_id IS NULL AND superseded_at IS NULL"
BY_INVITER = sa.text(f"invited_by IS NOT NULL AND {IN_FORCE}")
BY_OPERATOR = sa.text(f"invited_by IS NULL AND {IN_FORCE}")

SUPERSEDE_OLDER_DUPLICATES = sa.text("""
UPDATE idp_invitations SET superseded_at = (
    SELECT MIN(newer.created_at) FROM idp_invitations AS newer
    WHERE newer.email = idp_invitations.email
    AND (newer.invited_by = idp_invitations.invited_by
         OR (newer.invited_by IS NULL AND idp_invitations.invited_by IS NULL))
    AND newer.accepted_at IS NULL AND newer.account_id IS NULL
    AND (newer.created_at > idp_invitations.created_at
         OR (newer.created_at = idp_invitations.created_at AND newer.id > idp_invitations.id))
)
WHERE accepted_at IS NULL AND account_id IS NULL
""")
CLOSE_SUPERSEDED_LINKS = sa.text("""
UPDATE idp_invitations SET expires_at = superseded_at
WHERE superseded_at IS NOT NULL AND expires_at > superseded_at
""")


def upgrade() -> None:
    with op.batch_alter_table('idp_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True))

    op.execute(SUPERSEDE_OLDER_DUPLICATES)
    op.execute(CLOSE_SUPERSEDED_LINKS)
    with op.batch_alter_table('idp_invitations', schema=None) as batch_op:
        batch_op.create_index('uq_idp_invitations_in_force_by_inviter', ['email', 'invited_by'], unique=True, postgresql_where=BY_INVITER, sqlite_where=BY_INVITER)
        batch_op.create_index('uq_idp_invitations_in_force_by_operator', ['email'], unique=True, postgresql_where=BY_OPERATOR, sqlite_where=BY_OPERATOR)


def downgrade() -> None:
    with op.batch_alter_table('idp_invitations', schema=None) as batch_op:
        batch_op.drop_index('uq_idp_invitations_in_force_by_operator')
        batch_op.drop_index('uq_idp_invitations_in_force_by_inviter')
        batch_op.drop_column('superseded_at')
