"""drop purchase indexes the composite ones cover

ix_purchases_campaign_time and ix_purchases_creator_time start with the same column, so
these two only cost every purchase insert two more index pages.

Revision ID: e5c0a3a49663
Revises: 604de3e91908
Create Date: 2026-11-25 10:55:41.496939

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5c0a3a49663'
down_revision = '604de3e91908'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('purchases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchases_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_purchases_creator_id'))


def downgrade():
    with op.batch_alter_table('purchases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchases_creator_id'), ['creator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchases_campaign_id'), ['campaign_id'], unique=False)
