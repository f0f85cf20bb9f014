"""campaign costs: what an owner spent on each Campaign, and the history of every change

Revision ID: cfbd813ae191
Revises: 881921d7467c
Create Date: 2026-11-30 08:15:08.551161

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cfbd813ae191'
down_revision = '881921d7467c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign_costs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_costs_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_campaign_costs_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_costs'))
    )
    with op.batch_alter_table('campaign_costs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_costs_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_costs_network_id'), ['network_id'], unique=False)

    op.create_table('campaign_cost_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cost_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cost_id'], ['campaign_costs.id'], name=op.f('fk_campaign_cost_changes_cost_id_campaign_costs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_cost_changes'))
    )
    with op.batch_alter_table('campaign_cost_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_cost_changes_cost_id'), ['cost_id'], unique=False)



def downgrade():
    with op.batch_alter_table('campaign_cost_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_cost_changes_cost_id'))

    op.drop_table('campaign_cost_changes')
    with op.batch_alter_table('campaign_costs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_costs_network_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_costs_campaign_id'))

    op.drop_table('campaign_costs')
