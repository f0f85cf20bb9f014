"""campaign activity: presence per player and day, and the per-day activity rollup

Players recorded before this have no join history; each gets a presence row on its first
day (and on its last day when that is later), so the first-join and last-seen figures of
existing players are counted, and the rollup is built from those rows.

Revision ID: 881921d7467c
Revises: 86a7c2b25b79
Create Date: 2026-11-30 08:13:13.248053

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '881921d7467c'
down_revision = '86a7c2b25b79'
branch_labels = None
depends_on = None

BACKFILL = [
    "INSERT INTO player_days (player_id, day, joins) SELECT id, date(first_seen), 1 FROM players",
    "INSERT INTO player_days (player_id, day, joins) SELECT id, date(last_seen), 1 FROM players"
    " WHERE date(last_seen) > date(first_seen)",
    "INSERT INTO activity_days (network_id, server_id, day, campaign_id, joins, new_players,"
    " returning_players) SELECT servers.network_id, players.server_id, player_days.day,"
    " coalesce(players.campaign_id, 0), sum(player_days.joins),"
    " sum(CASE WHEN player_days.day <= date(players.first_seen) THEN 1 ELSE 0 END),"
    " sum(CASE WHEN player_days.day > date(players.first_seen) THEN 1 ELSE 0 END)"
    " FROM player_days JOIN players ON players.id = player_days.player_id"
    " JOIN servers ON servers.id = players.server_id"
    " GROUP BY servers.network_id, players.server_id, player_days.day,"
    " coalesce(players.campaign_id, 0)",
]


def upgrade():
    op.create_table('activity_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('joins', sa.Integer(), nullable=False),
    sa.Column('new_players', sa.Integer(), nullable=False),
    sa.Column('returning_players', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_days')),
    sa.UniqueConstraint('server_id', 'day', 'campaign_id', name=op.f('uq_activity_days_server_id_day_campaign_id'))
    )
    with op.batch_alter_table('activity_days', schema=None) as batch_op:
        batch_op.create_index('ix_activity_days_network', ['network_id', 'day'], unique=False)

    op.create_table('player_days',
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('joins', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['player_id'], ['players.id'], name=op.f('fk_player_days_player_id_players'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('player_id', 'day', name=op.f('pk_player_days'))
    )
    with op.batch_alter_table('player_days', schema=None) as batch_op:
        batch_op.create_index('ix_player_days_day', ['day'], unique=False)
    for statement in BACKFILL:
        op.execute(statement)


def downgrade():
    with op.batch_alter_table('player_days', schema=None) as batch_op:
        batch_op.drop_index('ix_player_days_day')

    op.drop_table('player_days')
    with op.batch_alter_table('activity_days', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_days_network')

    op.drop_table('activity_days')
