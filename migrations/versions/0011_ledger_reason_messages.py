"""h5: the leave ledger's automatic reasons as messages said in the reader's language

Revision ID: 0011_ledger_reason_messages
Revises: 0010_claim_reminders
Create Date: 2026-12-03 19:45:00.000000

Rows written before keep their stored text in ``reason``: the app shows it as it is (the one-word codes
"approved" … and "end of period" still in the reader's language), so nothing is converted here.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_ledger_reason_messages'
down_revision = '0010_claim_reminders'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leave_ledger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_message', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('leave_ledger', schema=None) as batch_op:
        batch_op.drop_column('reason_message')
