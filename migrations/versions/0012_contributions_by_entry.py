"""issue 15: the reconciliation finds a contribution by its register entry id through an index

Revision ID: 0012_contributions_by_entry
Revises: 0011_ledger_reason_messages
Create Date: 2026-12-04 15:50:00.000000

An entry the accountant linked or recorded under another reference is looked for by entry id; without
an index that read went through every contribution of the employer, once per page.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_contributions_by_entry'
down_revision = '0011_ledger_reason_messages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.create_index('ix_contributions_employer_id_entry_id', ['employer_id', 'entry_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_index('ix_contributions_employer_id_entry_id')
