"""h4: the VOV refund claim reminders, once per employer and training

Revision ID: 0010_claim_reminders
Revises: 0009_working_lives
Create Date: 2026-12-03 16:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_claim_reminders'
down_revision = '0009_working_lives'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('vov_claim_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_vov_claim_reminders_employer_id_employers')),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_vov_claim_reminders_training_id_trainings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vov_claim_reminders')),
    sa.UniqueConstraint('employer_id', 'training_id', name=op.f('uq_vov_claim_reminders_employer_id_training_id'))
    )
    with op.batch_alter_table('vov_claim_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vov_claim_reminders_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vov_claim_reminders_training_id'), ['training_id'], unique=False)


def downgrade():
    with op.batch_alter_table('vov_claim_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vov_claim_reminders_training_id'))
        batch_op.drop_index(batch_op.f('ix_vov_claim_reminders_employer_id'))

    op.drop_table('vov_claim_reminders')
