"""add representative enrolment, documents, conversion and claims requests

Revision ID: 53cbb45fa317
Revises: 4e842fdd7968
Create Date: 2026-12-01 22:24:43.540111
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '53cbb45fa317'
down_revision: str | None = '4e842fdd7968'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idp_client_files',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('enrolment_id', sa.String(length=32), nullable=False),
    sa.Column('representative_account_id', sa.String(length=32), nullable=False),
    sa.Column('application_id', sa.String(length=32), nullable=False),
    sa.Column('applicant_subject', sa.String(length=64), nullable=False),
    sa.Column('applicant_email', sa.String(length=254), nullable=False),
    sa.Column('delegation_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idp_client_files')),
    sa.UniqueConstraint('application_id', name=op.f('uq_idp_client_files_application_id'))
    )
    with op.batch_alter_table('idp_client_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idp_client_files_applicant_email'), ['applicant_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_idp_client_files_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idp_client_files_representative_account_id'), ['representative_account_id'], unique=False)

    op.create_table('idp_enrolment_document_reads',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('document_id', sa.String(length=32), nullable=False),
    sa.Column('enrolment_id', sa.String(length=32), nullable=False),
    sa.Column('reader_account_id', sa.String(length=32), nullable=False),
    sa.Column('reader_role', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idp_enrolment_document_reads'))
    )
    with op.batch_alter_table('idp_enrolment_document_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idp_enrolment_document_reads_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_idp_enrolment_document_reads_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('idp_enrolment_documents',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('enrolment_id', sa.String(length=32), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('document_type', sa.String(length=24), nullable=False),
    sa.Column('document_number', sa.String(length=32), nullable=False),
    sa.Column('name_on_document', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idp_enrolment_documents')),
    sa.UniqueConstraint('enrolment_id', 'slot', name=op.f('uq_idp_enrolment_documents_enrolment_id'))
    )
    with op.batch_alter_table('idp_enrolment_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idp_enrolment_documents_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('idp_enrolment_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('enrolment_id', sa.String(length=32), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('by_account_id', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idp_enrolment_events'))
    )
    with op.batch_alter_table('idp_enrolment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idp_enrolment_events_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('idp_enrolment_files',
    sa.Column('document_id', sa.String(length=32), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_idp_enrolment_files'))
    )
    op.create_table('idp_enrolments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('conversion', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('representative_type', sa.String(length=16), nullable=False),
    sa.Column('membership_body', sa.String(length=32), nullable=False),
    sa.Column('membership_number', sa.String(length=32), nullable=False),
    sa.Column('firm', sa.String(length=200), nullable=False),
    sa.Column('street_address', sa.String(length=200), nullable=False),
    sa.Column('locality', sa.String(length=100), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('postal_code', sa.String(length=16), nullable=False),
    sa.Column('country', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idp_enrolments')),
    sa.UniqueConstraint('reference', name=op.f('uq_idp_enrolments_reference'))
    )
    with op.batch_alter_table('idp_enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idp_enrolments_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_idp_enrolments_membership', ['membership_body', 'membership_number'], unique=False)
        batch_op.create_index('ix_idp_enrolments_status_submitted', ['status', 'submitted_at'], unique=False)

    op.create_table('idp_filed_for',
    sa.Column('application_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_email', sa.String(length=254), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_idp_filed_for'))
    )
    with op.batch_alter_table('idp_filed_for', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idp_filed_for_account_id'), ['account_id'], unique=False)

    op.create_table('idp_representatives',
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('representative_id', sa.String(length=16), nullable=False),
    sa.Column('representative_type', sa.String(length=16), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('membership_body', sa.String(length=32), nullable=True),
    sa.Column('membership_number', sa.String(length=32), nullable=True),
    sa.Column('firm', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('address', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('enrolment_reference', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=False),
    sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspended_by', sa.String(length=64), nullable=True),
    sa.Column('status_reason', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_idp_representatives')),
    sa.UniqueConstraint('representative_id', name=op.f('uq_idp_representatives_representative_id')),
    sa.UniqueConstraint('subject', name=op.f('uq_idp_representatives_subject'))
    )
    with op.batch_alter_table('idp_representatives', schema=None) as batch_op:
        batch_op.create_index('ix_idp_representatives_membership', ['membership_body', 'membership_number'], unique=False)

    with op.batch_alter_table('idp_grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claims_request', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('idp_grants', schema=None) as batch_op:
        batch_op.drop_column('claims_request')

    with op.batch_alter_table('idp_representatives', schema=None) as batch_op:
        batch_op.drop_index('ix_idp_representatives_membership')

    op.drop_table('idp_representatives')
    with op.batch_alter_table('idp_filed_for', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idp_filed_for_account_id'))

    op.drop_table('idp_filed_for')
    with op.batch_alter_table('idp_enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_idp_enrolments_status_submitted')
        batch_op.drop_index('ix_idp_enrolments_membership')
        batch_op.drop_index(batch_op.f('ix_idp_enrolments_account_id'))

    op.drop_table('idp_enrolments')
    op.drop_table('idp_enrolment_files')
    with op.batch_alter_table('idp_enrolment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idp_enrolment_events_enrolment_id'))

    op.drop_table('idp_enrolment_events')
    with op.batch_alter_table('idp_enrolment_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idp_enrolment_documents_enrolment_id'))

    op.drop_table('idp_enrolment_documents')
    with op.batch_alter_table('idp_enrolment_document_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idp_enrolment_document_reads_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_idp_enrolment_document_reads_document_id'))

    op.drop_table('idp_enrolment_document_reads')
    with op.batch_alter_table('idp_client_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idp_client_files_representative_account_id'))
        batch_op.drop_index(batch_op.f('ix_idp_client_files_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_idp_client_files_applicant_email'))

    op.drop_table('idp_client_files')
