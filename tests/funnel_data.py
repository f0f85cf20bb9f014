"""A small hand-computed data set for the Campaign funnel tests (tests/test_funnel.py).

Network "Test Network": Servers Lobby and Survival; Campaigns YouTube (yt.example.net) and
TikTok (tt.example.net). All in March 2026, UTC.

    joins   Mar 1  Lobby    Steve via YouTube (new), Anna organic (new), Tom via TikTok (new)
            Mar 2  Lobby    Steve again (returning), Bob via YouTube (new)
            Mar 3  Survival Bob via TikTok (new: a player is per Server)
            Mar 5  Lobby    Anna again (returning)
    buys    P1 Mar 2 Lobby    Steve 10.00 USD
            P2 Mar 3 Lobby    Steve  5.00 USD, refunded 2.00
            P3 Mar 3 Lobby    Anna  20.00 EUR
            P4 Mar 4 Lobby    Ghost  7.00 USD (Unmatched: not organic)
            P5 Mar 4 Survival Bob    4.00 EUR
    costs   YouTube 30.00 USD over Mar 1–3 (10.00 a day)
            TikTok  10.00 EUR over Mar 1–3 (3.33, 3.33, 3.34) and 5.00 USD on Mar 2
"""
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from extensions import db
from ledger import campaigns, costs
from ledger.corrections import apply_reversal
from ledger.players import record_joins
from ledger.purchases import record_purchase
from ledger.servers import create_server
from models import Network, Server
from providers.plugin_api import parse_joins
from tests.revenue_data import event

MARCH = date(2026, 3, 1)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=timezone.utc)


def build(network_id: int, lobby_id: int) -> SimpleNamespace:
    network = db.session.get(Network, network_id)
    lobby = db.session.get(Server, lobby_id)
    survival, _ = create_server(network, "Survival")
    yt = campaigns.create_campaign(network, "YouTube", ["yt.example.net"])
    tt = campaigns.create_campaign(network, "TikTok", ["tt.example.net"])

    def join(server, name, day, host=None):
        record_joins(server, parse_joins({"username": name, "hostname": host}), now=at(day))

    join(lobby, "Steve", 1, "yt.example.net")
    join(lobby, "Anna", 1)
    join(lobby, "Tom", 1, "tt.example.net")
    join(lobby, "Steve", 2)
    join(lobby, "Bob", 2, "yt.example.net")
    join(survival, "Bob", 3, "tt.example.net")
    join(lobby, "Anna", 5)
    record_purchase(lobby, "tebex", event("f1", "Steve", 1000, "USD", [("VIP", 1, 1000)], at(2)))
    p2, _ = record_purchase(lobby, "tebex", event("f2", "Steve", 500, "USD", [("Key", 1, 500)],
                                                  at(3)))
    apply_reversal(p2, "refund", 200, reason="partial")
    record_purchase(lobby, "tebex", event("f3", "Anna", 2000, "EUR", [("Rank", 1, 2000)], at(3)))
    record_purchase(lobby, "custom", event("f4", "Ghost", 700, "USD", [("Key", 1, 700)], at(4)))
    record_purchase(survival, "tebex", event("f5", "Bob", 400, "EUR", [("Coins", 1, 400)],
                                             at(4)))
    costs.add_cost(yt, "30", "USD", MARCH, MARCH + timedelta(days=2), actor="test")
    costs.add_cost(tt, "10.00", "eur", MARCH, MARCH + timedelta(days=2), actor="test")
    costs.add_cost(tt, "5", "USD", MARCH + timedelta(days=1), actor="test")
    db.session.commit()
    return SimpleNamespace(survival=survival.id, youtube=yt.id, tiktok=tt.id,
                           survival_project=survival.project_id)


def their_campaign(other_network) -> int:
    """A Campaign of the other Network (tests/conftest.py other_network); its id. Commits."""
    theirs = campaigns.create_campaign(db.session.get(Network, other_network.id), "Theirs",
                                       ["theirs.example.net"])
    db.session.commit()
    return theirs.id
