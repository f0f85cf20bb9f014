"""worker, outbox and receipts

The background worker's leases and jobs; the outbox (events and their sends) with Discord
alerts and owners' webhook endpoints; deliveries as receipts (their events, apply state and
deduplication keys) and copies of refused ones to replay; integrations' failure counts; and
a check that exchange rates are positive.

Revision ID: 66c6c19803be
Revises: 7e41bee352b6
Create Date: 2026-11-30 06:14:16.788654

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '66c6c19803be'
down_revision = '7e41bee352b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('run_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['done_at', 'run_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_network_id'), ['network_id'], unique=False)

    op.create_table('worker_leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=80), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_leases'))
    )
    op.create_table('discord_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('url_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('url_hint', sa.String(length=80), nullable=False),
    sa.Column('server_ids', sa.JSON(), nullable=True),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('min_amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('min_currency', sa.String(length=3), nullable=True),
    sa.Column('template', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_discord_alerts_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discord_alerts'))
    )
    with op.batch_alter_table('discord_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discord_alerts_network_id'), ['network_id'], unique=False)

    op.create_table('outbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=40), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('fanned_out_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_outbox_events_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events')),
    sa.UniqueConstraint('uid', name=op.f('uq_outbox_events_uid'))
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_events_network_id'), ['network_id'], unique=False)
        batch_op.create_index('ix_outbox_events_unsent', ['fanned_out_at', 'id'], unique=False)

    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('secret_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('secret_rotated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_webhook_endpoints_network_id_networks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoints_network_id'), ['network_id'], unique=False)

    op.create_table('delivery_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('store', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_delivery_keys_server_id_servers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_keys')),
    sa.UniqueConstraint('server_id', 'store', 'key', name=op.f('uq_delivery_keys_server_id_store_key'))
    )
    op.create_table('sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('response_code', sa.Integer(), nullable=True),
    sa.Column('response_excerpt', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['outbox_events.id'], name=op.f('fk_sends_event_id_outbox_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sends'))
    )
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.create_index('ix_sends_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sends_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_sends_target', ['target', 'target_id', 'id'], unique=False)

    op.create_table('replay_copies',
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('store', sa.String(length=32), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_replay_copies_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('delivery_id', name=op.f('pk_replay_copies'))
    )
    with op.batch_alter_table('replay_copies', schema=None) as batch_op:
        batch_op.create_index('ix_replay_copies_integration', ['server_id', 'store', 'delivery_id'], unique=False)

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('events', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('apply_state', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('apply_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('apply_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('applied_at', sa.DateTime(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_deliveries_server_id'))
        batch_op.create_index('ix_deliveries_backlog', ['apply_state', 'id'], unique=False)
        batch_op.create_index('ix_deliveries_server_store', ['server_id', 'store', 'id'], unique=False)

    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failures_in_row', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(), nullable=True))



    with op.batch_alter_table('exchange_rates', schema=None) as batch_op:
        batch_op.create_check_constraint('positive_rate', 'rate_nanos > 0')


def downgrade():
    with op.batch_alter_table('exchange_rates', schema=None) as batch_op:
        batch_op.drop_constraint('positive_rate', type_='check')

    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_column('failing_since')
        batch_op.drop_column('failures_in_row')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_server_store')
        batch_op.drop_index('ix_deliveries_backlog')
        batch_op.create_index(batch_op.f('ix_deliveries_server_id'), ['server_id'], unique=False)
        batch_op.drop_column('applied_at')
        batch_op.drop_column('apply_error')
        batch_op.drop_column('apply_attempts')
        batch_op.drop_column('apply_state')
        batch_op.drop_column('events')

    with op.batch_alter_table('replay_copies', schema=None) as batch_op:
        batch_op.drop_index('ix_replay_copies_integration')

    op.drop_table('replay_copies')
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.drop_index('ix_sends_target')
        batch_op.drop_index(batch_op.f('ix_sends_event_id'))
        batch_op.drop_index('ix_sends_due')

    op.drop_table('sends')
    op.drop_table('delivery_keys')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoints_network_id'))

    op.drop_table('webhook_endpoints')
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_events_unsent')
        batch_op.drop_index(batch_op.f('ix_outbox_events_network_id'))

    op.drop_table('outbox_events')
    with op.batch_alter_table('discord_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discord_alerts_network_id'))

    op.drop_table('discord_alerts')
    op.drop_table('worker_leases')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_network_id'))
        batch_op.drop_index('ix_jobs_due')

    op.drop_table('jobs')
