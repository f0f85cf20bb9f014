"""creator commission and statements

Creators' commission rates over time, and monthly statements marked paid with their lines.

Revision ID: 86a7c2b25b79
Revises: d89e93fafe0f
Create Date: 2026-11-30 08:38:48.040362

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '86a7c2b25b79'
down_revision = 'd89e93fafe0f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commission_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('basis_points', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], name=op.f('fk_commission_rates_creator_id_creators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_commission_rates_set_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_rates')),
    sa.UniqueConstraint('creator_id', 'starts_on', name=op.f('uq_commission_rates_creator_id_starts_on'))
    )
    with op.batch_alter_table('commission_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_rates_creator_id'), ['creator_id'], unique=False)

    op.create_table('statement_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('paid_at', sa.DateTime(), nullable=False),
    sa.Column('paid_by', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], name=op.f('fk_statement_payments_creator_id_creators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['paid_by'], ['users.id'], name=op.f('fk_statement_payments_paid_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_payments')),
    sa.UniqueConstraint('creator_id', 'month', name=op.f('uq_statement_payments_creator_id_month'))
    )
    with op.batch_alter_table('statement_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_payments_creator_id'), ['creator_id'], unique=False)

    op.create_table('statement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('for_month', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['statement_payments.id'], name=op.f('fk_statement_lines_payment_id_statement_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_lines'))
    )
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_lines_payment_id'), ['payment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_lines_payment_id'))

    op.drop_table('statement_lines')
    with op.batch_alter_table('statement_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_payments_creator_id'))

    op.drop_table('statement_payments')
    with op.batch_alter_table('commission_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commission_rates_creator_id'))

    op.drop_table('commission_rates')
