"""A small hand-computed data set for the revenue tests (figures in test_revenue.py).

Network "Test Network": Servers Lobby and Survival; Campaign YouTube; creator Alex (code ALEX).
Players on Lobby: Steve (YouTube), Anna (no Campaign). All purchases are from yesterday
unless said otherwise.

    P1 Lobby   Steve  10.00 USD tebex         VIP x1, code ALEX
    P2 Lobby   Anna    5.00 USD tebex         Key x2; refund 2.00
    P3 Lobby   Steve  20.00 EUR craftingstore Rank x1; chargeback 20.00
    P4 Lobby   Ghost   7.50 USD custom        Key x1; Unmatched (Ghost joins later via YouTube)
    P5 Survival Steve  3.00 EUR tebex         Coins x1; Unmatched (no player on Survival)
    P6 Lobby   Veteran 100.00 USD enderpay    Key x1; 100 days ago, Unmatched
"""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from events import Item, PurchaseEvent
from extensions import db
from ledger.corrections import apply_reversal
from ledger.purchases import record_purchase
from models import Campaign, Creator, Player, Server
from models.base import fold


def event(tx, username, amount, currency, items, when, coupon=None, email=None):
    return PurchaseEvent(transaction_id=tx, username=username, amount_minor=amount,
                         currency=currency, items=tuple(Item(n, q, t) for n, q, t in items),
                         purchased_at=when, coupon=coupon, email=email, uuid=None)


def add_player(server_id, username, campaign_id=None):
    player = Player(server_id=server_id, username=username, username_key=fold(username),
                    campaign_id=campaign_id)
    db.session.add(player)
    db.session.flush()
    return player


def build(network_id: int, lobby_id: int):
    """Creates the data set; returns ids in a namespace. Commits."""
    from ledger.servers import create_server
    from models import Network

    network = db.session.get(Network, network_id)
    lobby = db.session.get(Server, lobby_id)
    survival, _ = create_server(network, "Survival")
    youtube = Campaign(network_id=network_id, name="YouTube")
    alex = Creator(network_id=network_id, name="Alex", code="ALEX", code_key="alex")
    db.session.add_all([youtube, alex])
    db.session.flush()
    add_player(lobby.id, "Steve", youtube.id)
    add_player(lobby.id, "Anna")
    now = datetime.now(timezone.utc)
    day = now - timedelta(days=1)
    p1, _ = record_purchase(lobby, "tebex", event("t1", "Steve", 1000, "USD",
                                                  [("VIP", 1, 1000)], day, coupon="alex"))
    p2, _ = record_purchase(lobby, "tebex", event("t2", "Anna", 500, "USD",
                                                  [("Key", 2, 500)], day + timedelta(minutes=1),
                                                  email="anna@example.com"))
    p3, _ = record_purchase(lobby, "craftingstore", event("c3", "Steve", 2000, "EUR",
                                                          [("Rank", 1, 2000)],
                                                          day + timedelta(minutes=2)))
    p4, _ = record_purchase(lobby, "custom", event("x4", "Ghost", 750, "USD",
                                                   [("Key", 1, 750)], day + timedelta(minutes=3)))
    p5, _ = record_purchase(survival, "tebex", event("t5", "Steve", 300, "EUR",
                                                     [("Coins", 1, 300)],
                                                     day + timedelta(minutes=4)))
    p6, _ = record_purchase(lobby, "enderpay", event("e6", "Veteran", 10000, "USD",
                                                     [("Key", 1, 10000)],
                                                     now - timedelta(days=100)))
    apply_reversal(p2, "refund", 200, reason="partial")
    apply_reversal(p3, "chargeback", None, external_id="cb-1")
    db.session.commit()
    return SimpleNamespace(survival=survival.id, youtube=youtube.id, alex=alex.id,
                           p=[None, p1.id, p2.id, p3.id, p4.id, p5.id, p6.id])


def ghost_joins(lobby_id: int, youtube_id: int):
    """Ghost's first join on Lobby, via the YouTube Campaign: re-matches P4."""
    from ledger.purchases import rematch_unmatched

    player = add_player(lobby_id, "Ghost", youtube_id)
    count = rematch_unmatched(player)
    db.session.commit()
    return count
