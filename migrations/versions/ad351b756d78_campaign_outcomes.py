"""campaign outcomes: what the players a Campaign brought did afterwards

Each player's wait to their first purchase and first day back, per first day how many of its new
players bought and came back, and the cohort table's net per month of first join and month
paid; all filled from the purchases and presence already recorded.

Revision ID: ad351b756d78
Revises: e8bd50a5383e
Create Date: 2026-11-30 11:34:54.854930

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad351b756d78'
down_revision = 'e8bd50a5383e'
branch_labels = None
depends_on = None

FILL = [
    "UPDATE players SET seconds_to_purchase = (SELECT min({seconds_paid})"
    " - {seconds_seen} FROM purchases WHERE purchases.network_id = (SELECT network_id FROM servers"
    " WHERE servers.id = players.server_id) AND purchases.player_id = players.id), came_back_on = (SELECT min(day) FROM player_days"
    " WHERE player_days.player_id = players.id AND player_days.day > date(players.first_seen))",
    "UPDATE activity_days SET buyers = (SELECT count(*) FROM players {same_day}"
    " AND players.seconds_to_purchase IS NOT NULL), came_back = (SELECT count(*) FROM players"
    " {same_day} AND players.came_back_on IS NOT NULL)",
    "INSERT INTO cohort_months (network_id, server_id, campaign_id, month, paid_month, currency,"
    " net_minor) SELECT servers.network_id, players.server_id, coalesce(players.campaign_id, 0),"
    " {acquired}, {paid}, purchases.currency,"
    " sum(purchases.amount_minor - purchases.reversed_minor)"
    " FROM purchases JOIN players ON players.id = purchases.player_id"
    " JOIN servers ON servers.id = players.server_id"
    " GROUP BY servers.network_id, players.server_id, coalesce(players.campaign_id, 0),"
    " {acquired}, {paid}, purchases.currency",
    "INSERT INTO creator_buyers (creator_id, buyer_key) SELECT DISTINCT creator_id, username_key"
    " FROM purchases WHERE creator_id IS NOT NULL",
]
SAME_DAY = ("WHERE players.server_id = activity_days.server_id"
            " AND date(players.first_seen) = activity_days.day"
            " AND coalesce(players.campaign_id, 0) = activity_days.campaign_id")
MONTH = {"sqlite": "date({}, 'start of month')",
         "postgresql": "CAST(date_trunc('month', {}) AS date)"}
SECONDS = {"sqlite": "CAST(strftime('%s', {}) AS INTEGER)",
           "postgresql": "CAST(floor(date_part('epoch', {})) AS bigint)"}


def upgrade():
    op.create_table('creator_buyers',
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('buyer_key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.id'], name=op.f('fk_creator_buyers_creator_id_creators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('creator_id', 'buyer_key', name=op.f('pk_creator_buyers'))
    )
    op.create_table('cohort_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('paid_month', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('net_minor', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_months')),
    sa.UniqueConstraint('server_id', 'campaign_id', 'month', 'paid_month', 'currency', name=op.f('uq_cohort_months_server_id_campaign_id_month_paid_month_currency'))
    )
    with op.batch_alter_table('cohort_months', schema=None) as batch_op:
        batch_op.create_index('ix_cohort_months_network', ['network_id', 'campaign_id', 'month'], unique=False)

    with op.batch_alter_table('activity_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyers', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('came_back', sa.Integer(), nullable=False,
                                      server_default='0'))

    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seconds_to_purchase', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('came_back_on', sa.Date(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_players_campaign_id'))
        batch_op.create_index('ix_players_campaign_wait', ['campaign_id', 'seconds_to_purchase', 'first_seen', 'server_id'], unique=False)

    month, seconds = MONTH[op.get_bind().dialect.name], SECONDS[op.get_bind().dialect.name]
    for statement in FILL:
        op.execute(statement.format(
            same_day=SAME_DAY, acquired=month.format("players.first_seen"),
            paid=month.format("purchases.purchased_at"),
            seconds_paid=seconds.format("purchases.purchased_at"),
            seconds_seen=seconds.format("players.first_seen")))


def downgrade():
    with op.batch_alter_table('players', schema=None) as batch_op:
        batch_op.drop_index('ix_players_campaign_wait')
        batch_op.create_index(batch_op.f('ix_players_campaign_id'), ['campaign_id'], unique=False)
        batch_op.drop_column('came_back_on')
        batch_op.drop_column('seconds_to_purchase')

    with op.batch_alter_table('activity_days', schema=None) as batch_op:
        batch_op.drop_column('came_back')
        batch_op.drop_column('buyers')

    with op.batch_alter_table('cohort_months', schema=None) as batch_op:
        batch_op.drop_index('ix_cohort_months_network')

    op.drop_table('cohort_months')
    op.drop_table('creator_buyers')
