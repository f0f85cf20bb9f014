"""hardening: signature uses, refusal counts, delivery size, session version

signature_uses binds a Donation Store Authorization value to one transaction;
delivery_rejections counts refused deliveries per hour instead of logging each;
deliveries.size keeps a refused body's size; users.session_version ends sessions.

Revision ID: 7e41bee352b6
Revises: e5c0a3a49663
Create Date: 2026-11-30 04:31:20.800729

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e41bee352b6'
down_revision = 'e5c0a3a49663'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delivery_rejections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('store', sa.String(length=32), nullable=False),
    sa.Column('hour', sa.DateTime(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('logged', sa.Integer(), nullable=False),
    sa.Column('bytes', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_rejections')),
    sa.UniqueConstraint('server_id', 'store', 'hour', 'status_code', name=op.f('uq_delivery_rejections_server_id_store_hour_status_code'))
    )
    op.create_table('signature_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('store', sa.String(length=32), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.Column('transaction_id', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_signature_uses_server_id_servers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature_uses')),
    sa.UniqueConstraint('server_id', 'store', 'signature', name=op.f('uq_signature_uses_server_id_store_signature'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('size')

    op.drop_table('signature_uses')
    op.drop_table('delivery_rejections')
