"""The webhook path's SQL, in one place: every statement the webhook path and the applier run
through ``Prepared`` (ledger/compiled.py, compiled once per dialect and run on the
transaction's DB-API connection): the delivery log, the integration checks, the purchase and
its items, the rollups. Everything else uses the ORM. Defaults are not applied: pass every
column named in ``columns``.
"""
from __future__ import annotations

from operator import itemgetter

from sqlalchemy import (Integer, UniqueConstraint, and_, bindparam, cast, column, func, insert,
                        literal_column, select, update, values)
from sqlalchemy.dialects import postgresql, sqlite

from ledger.compiled import Prepared, Sized
from models import (ActivityDay, Buyer, BuyerDay, CohortMonth, Creator, CreatorBuyer, Delivery, DeliveryKey,
                    Integration, ItemDay, OutboxEvent, Player, PlayerDay, Purchase, PurchaseItem, RevenueDay, Server)

DIALECTS = (("postgresql", postgresql), ("sqlite", sqlite))


# --- the delivery log and the integration ----------------------------------------------------

_DELIVERIES, _INTEGRATIONS = Delivery.__table__, Integration.__table__
_ONE_DELIVERY = update(_DELIVERIES).where(_DELIVERIES.c.id == bindparam("delivery_id"))
_ONE_INTEGRATION = update(_INTEGRATIONS).where(_INTEGRATIONS.c.id == bindparam("integration_id"))
INSERT_DELIVERY = Prepared(insert(_DELIVERIES).returning(_DELIVERIES.c.id), (
    "server_id", "store", "received_at", "status_code", "outcome", "reason", "latency_ms", "size",
    "body", "transaction_id", "events", "apply_state", "apply_attempts"))
FINISH_DELIVERY = Prepared(_ONE_DELIVERY.values(outcome=bindparam("outcome"),
                                                reason=bindparam("reason")))
# The applier's verdict on a delivery: applied (its reason kept unless a note replaces it),
# or an attempt that failed (apply_state: waiting again, or failed).
MARK_APPLIED = Prepared(_ONE_DELIVERY.values(
    apply_state=bindparam("apply_state"), apply_error=bindparam("apply_error"),
    applied_at=bindparam("applied_at"), outcome=bindparam("outcome"),
    reason=func.coalesce(bindparam("reason"), _DELIVERIES.c.reason)))
MARK_NOT_APPLIED = Prepared(_ONE_DELIVERY.values(
    apply_attempts=bindparam("apply_attempts"), apply_error=bindparam("apply_error"),
    apply_state=bindparam("apply_state")))
TARGET = Prepared(
    select(Server.id, Server.network_id, Integration.id, Integration.secret_encrypted,
           Integration.settings, Integration.last_delivery_at)
    .outerjoin(Integration, (Integration.server_id == Server.id)
               & (Integration.store == bindparam("store")))
    .where(Server.project_id == bindparam("project_id")))
# The integration as the receipt's write transaction sees it: its secret and settings, and
# whether a run of refusals is to be ended (the kept copy may predate a refusal).
CURRENT_SECRET = Prepared(select(_INTEGRATIONS.c.secret_encrypted, _INTEGRATIONS.c.settings,
                                 _INTEGRATIONS.c.failures_in_row, _INTEGRATIONS.c.failing_since)
                          .where(_INTEGRATIONS.c.id == bindparam("integration_id")))
HEALED_INTEGRATION = Prepared(_ONE_INTEGRATION.values(failures_in_row=0, failing_since=None))
# A receipt's deduplication key: RETURNING gives no row when a copy claimed it first.
CLAIM_KEY = {name: Prepared(dialect.insert(DeliveryKey.__table__).on_conflict_do_nothing(
    index_elements=["server_id", "store", "key"]).returning(DeliveryKey.__table__.c.id),
    ("server_id", "store", "key", "created_at")) for name, dialect in DIALECTS}
TOUCH_INTEGRATION = Prepared(_ONE_INTEGRATION.values(
    last_delivery_at=bindparam("last_delivery_at")))


# --- the outbox ----------------------------------------------------------------------------------

INSERT_OUTBOX = Prepared(insert(OutboxEvent.__table__), (
    "uid", "network_id", "server_id", "kind", "data", "created_at", "fanned_out_at"))


# --- purchases --------------------------------------------------------------------------------

def _attribution():
    """player_id, campaign_id, creator_id as subqueries: the player by folded username on the
    Server (their originating Campaign comes with them), the Creator by folded coupon code."""
    player = (Player.server_id == bindparam("a_server_id")) & \
        (Player.username_key == bindparam("a_username_key"))
    creator = (Creator.network_id == bindparam("a_network_id")) & \
        (Creator.code_key == bindparam("a_code_key"))
    return {"player_id": select(Player.id).where(player).limit(1).scalar_subquery(),
            "campaign_id": select(Player.campaign_id).where(player).limit(1).scalar_subquery(),
            "creator_id": select(Creator.id).where(creator).limit(1).scalar_subquery()}


PURCHASE_COLUMNS = ("network_id", "server_id", "store", "transaction_id", "username",
                    "username_key", "coupon", "uuid", "email", "amount_minor", "reversed_minor",
                    "currency", "recurring", "purchased_at", "received_at", "delivery_id", "extra")
# One INSERT ... ON CONFLICT DO NOTHING RETURNING: a duplicate returns no row.
INSERT_PURCHASE = {
    name: Prepared(dialect.insert(Purchase.__table__).values(**_attribution())
                   .on_conflict_do_nothing(index_elements=["server_id", "store", "transaction_id"])
                   .returning(*(Purchase.__table__.c[column] for column in (
                       "id", "player_id", "campaign_id", "creator_id"))), PURCHASE_COLUMNS)
    for name, dialect in DIALECTS}
INSERT_ITEM = Prepared(insert(PurchaseItem.__table__),
                       ("purchase_id", "name", "quantity", "total_minor"))


# --- rollups ----------------------------------------------------------------------------------

def _upsert(model, measures: tuple[str, ...]) -> dict:
    """Per dialect: INSERT a row, or add its ``measures`` to the row with the same key."""
    table = model.__table__
    key = next(c for c in table.constraints if isinstance(c, UniqueConstraint))
    columns = tuple(column.name for column in table.columns if column.name != "id")
    statements = {}
    for name, dialect in DIALECTS:
        statement = dialect.insert(table)
        statements[name] = Prepared(statement.on_conflict_do_update(
            index_elements=[column.name for column in key.columns],
            set_={m: table.c[m] + statement.excluded[m] for m in measures}), columns)
    return statements


REVENUE_MEASURES = ("purchases", "gross_minor", "refunded_minor", "chargeback_minor")
ITEM_MEASURES = ("purchases", "quantity", "total_minor")
ACTIVITY_MEASURES = ("joins", "new_players", "returning_players", "buyers", "came_back")
MEASURES = {RevenueDay: REVENUE_MEASURES, ItemDay: ITEM_MEASURES, BuyerDay: ("buyers",),
            ActivityDay: ACTIVITY_MEASURES, CohortMonth: ("net_minor",)}
UPSERT = {model: _upsert(model, measures) for model, measures in MEASURES.items()}
# Each rollup table's unique key: the columns a row is found by.
KEY = {model: itemgetter(*(column.name for column in next(
    c for c in model.__table__.constraints if isinstance(c, UniqueConstraint)).columns))
    for model in MEASURES}
_BUYERS = Buyer.__table__
BUYER_SCOPE = ("network_id", "currency", "buyer_key", "server_id", "store")


def _wanted(n: int):
    """n buyer scopes as a VALUES list (binds network_id0, currency0 ...) with their
    ordinals, each value cast to its column's type: PostgreSQL cannot tell the type of a
    bare bind in VALUES."""
    return values(column("ordinal", Integer),
                  *(column(name, _BUYERS.c[name].type) for name in BUYER_SCOPE), name="wanted") \
        .data([(literal_column(str(i)), *(cast(bindparam(f"{name}{i}"), _BUYERS.c[name].type)
                                          for name in BUYER_SCOPE)) for i in range(n)]) \
        .cte("wanted")


def _locked_buyers(n: int):
    """The Buyer rows of n scopes, locked in the order the scopes are given (callers give
    them sorted, so transactions lock shared rows in one order, whatever the parts). A join
    on the list: for a tuple IN (VALUES ...) SQLite scans the whole table; for the join it
    probes the unique index."""
    wanted = _wanted(n)
    return select(_BUYERS.c.id, *(_BUYERS.c[name] for name in BUYER_SCOPE), _BUYERS.c.last_day) \
        .join(wanted, and_(*(_BUYERS.c[name] == wanted.c[name] for name in BUYER_SCOPE))) \
        .order_by(wanted.c.ordinal).with_for_update(of=_BUYERS)


def _insert_buyers(dialect):
    """INSERT n new scope rows, skipping any another transaction inserted first; RETURNING
    says which ones were ours."""
    names = (*BUYER_SCOPE, "last_day")
    return lambda n: dialect.insert(_BUYERS).values([
        {name: bindparam(f"{name}{i}", type_=_BUYERS.c[name].type) for name in names}
        for i in range(n)]).on_conflict_do_nothing(
        index_elements=["network_id", "server_id", "store", "currency", "buyer_key"]
    ).returning(*(_BUYERS.c[name] for name in BUYER_SCOPE))


LOCKED_BUYERS = Sized(_locked_buyers, BUYER_SCOPE)
INSERT_BUYERS = {name: Sized(_insert_buyers(dialect), (*BUYER_SCOPE, "last_day"))
                 for name, dialect in DIALECTS}
MOVE_BUYER = Prepared(update(_BUYERS).where(_BUYERS.c.id == bindparam("buyer_id"))
                      .values(last_day=bindparam("day")))
# Who used a Creator's code: a new buyer adds a row, a repeat one nothing.
INSERT_CREATOR_BUYER = {
    name: Prepared(dialect.insert(CreatorBuyer.__table__).on_conflict_do_nothing(),
                   ("creator_id", "buyer_key")) for name, dialect in DIALECTS}

# --- presence (ledger.activity) ------------------------------------------------------------
_DAYS = PlayerDay.__table__
# Returns the row when this is the player's first join of the day, nothing when it is not.
INSERT_PRESENCE = {
    name: Prepared(dialect.insert(_DAYS).on_conflict_do_nothing(
        index_elements=["player_id", "day"]).returning(_DAYS.c.player_id),
        ("player_id", "day", "joins"))
    for name, dialect in DIALECTS}
COUNT_JOIN = Prepared(update(_DAYS).where(_DAYS.c.player_id == bindparam("player_id"),
                                          _DAYS.c.day == bindparam("day"))
                      .values(joins=_DAYS.c.joins + 1))

# --- what a Campaign's players did afterwards (ledger.outcomes) ---------------------------------
_PLAYERS = Player.__table__
PLAYER_OUTCOME = Prepared(select(_PLAYERS.c.server_id, _PLAYERS.c.campaign_id,
                                 Player.first_seen, _PLAYERS.c.seconds_to_purchase)
                          .where(_PLAYERS.c.id == bindparam("player_id")))
# rowcount 1: this transaction made the player a buyer (or come back); 0: already one.
MARK_BOUGHT = Prepared(update(_PLAYERS).where(_PLAYERS.c.id == bindparam("player_id"),
                                              _PLAYERS.c.seconds_to_purchase.is_(None))
                       .values(seconds_to_purchase=bindparam("seconds")))
EARLIER_BOUGHT = Prepared(update(_PLAYERS).where(
    _PLAYERS.c.id == bindparam("player_id"),
    _PLAYERS.c.seconds_to_purchase > bindparam("seconds")).values(
    seconds_to_purchase=bindparam("seconds")))
MARK_CAME_BACK = Prepared(update(Player).where(Player.id == bindparam("player_id"),
                                               Player.came_back_on.is_(None))
                          .values(came_back_on=bindparam("day", type_=Player.came_back_on.type)))
