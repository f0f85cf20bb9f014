"""``flask demo``: fill a Network with realistic players, Campaigns, creators and purchases,
joins over time, what each Campaign cost and each creator's commission.

Everything goes through the ledger (record_joins, record_purchase, apply_reversal,
add_cost), so the revenue and activity rollups stay exactly right.
"""
import random
import secrets
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from events import Item, PurchaseEvent
from extensions import db
from ledger import accounts, costs, statements
from ledger.corrections import apply_reversal
from ledger.players import record_joins
from ledger.purchases import find_player, record_purchase
from ledger.servers import create_server
from models import Campaign, CampaignHostname, Creator, Network, User
from models.base import fold
from providers.plugin_api import MAX_ENTRIES, parse_joins

# store -> currencies it sells in
STORES = {"tebex": ["USD", "EUR", "GBP"], "craftingstore": ["USD", "EUR"], "custom": ["EUR"],
          "enderpay": ["RUB"], "donationstore": ["USD", "GBP"]}
# name -> price in major units (x100 minor)
CATALOG = {"VIP Rank": 999, "MVP Rank": 2499, "Legend Rank": 4999, "Crate Key": 199,
           "Coins x1000": 499, "Pet Dragon": 1499, "Cosmetic Pack": 799, "Season Pass": 1299}
CAMPAIGNS = ["YouTube Launch", "TikTok Ads", "Server List", "Discord Partners", "Reddit"]
CREATORS = ["Technoblade Fan", "PixelPete", "RedstoneRuby", "CraftyCarl", "BlockBella"]
SERVER_NAMES = ["Lobby", "Survival", "Skyblock"]
SYLLABLES = ["mine", "craft", "steve", "alex", "ender", "creep", "dia", "gold", "pix", "zed",
             "nova", "frost", "blaze", "ghast", "wolf"]


@click.command("demo")
@click.option("--network-id", type=int, help="Fill this existing Network.")
@click.option("--owner-email", help="Create a Network for this user (created if new).")
@click.option("--password", help="Password when the owner account is created.")
@click.option("--purchases", default=3000, show_default=True)
@click.option("--days", default=120, show_default=True,
              help="Spread purchases over this many days.")
@click.option("--seed", type=int, help="Random seed, for a repeatable data set.")
@with_appcontext
def demo(network_id, owner_email, password, purchases, days, seed):
    """Fill a Network with demo players, Campaigns, creators and purchases."""
    rng = random.Random(seed)
    network = _network(network_id, owner_email, password)
    servers = network.servers or [create_server(network, name)[0] for name in SERVER_NAMES]
    tag = secrets.token_hex(2)
    campaigns = _campaigns(network, tag)
    creators = _creators(network, tag)
    now = datetime.now(timezone.utc)
    players = {s.id: _players(s, campaigns, rng, max(purchases // 8, 10), days, now)
               for s in servers}
    _costs(campaigns, rng, days, now)
    _commissions(creators, rng, days, now)
    db.session.commit()
    late_joiners = _purchases(servers, players, creators, purchases, days, rng)
    for server, username in late_joiners:  # joining re-matches their purchases
        if not find_player(server.id, username):
            record_joins(server, parse_joins({"username": username,
                                              "hostname": _hostname(campaigns, rng)}))
    db.session.commit()
    click.echo(f"Network {network.id} ({network.name}): {purchases} purchases on "
               f"{len(servers)} servers, {len(late_joiners)} re-matched buyers.")


def _network(network_id, owner_email, password) -> Network:
    if network_id is not None:
        network = db.session.get(Network, network_id)
        if network is None:
            raise click.UsageError(f"no Network with id {network_id}")
        return network
    if not owner_email:
        raise click.UsageError("give --network-id, or --owner-email to create a Network")
    owner = db.session.scalar(select(User).filter_by(email=fold(owner_email)))
    if owner is None:
        if not password:
            raise click.UsageError("--password is needed to create the owner account")
        owner = accounts.create_user(owner_email, password)
    return accounts.create_network(owner, "Demo Network")


def _campaigns(network, tag) -> list[Campaign]:
    campaigns = []
    for name in CAMPAIGNS:
        slug = name.lower().replace(" ", "")
        campaign = Campaign(network_id=network.id, name=name)
        campaign.hostnames = [CampaignHostname(network_id=network.id,
                                               hostname=f"{slug}-{tag}.play.example.net")]
        campaigns.append(campaign)
    db.session.add_all(campaigns)
    db.session.flush()
    return campaigns


def _creators(network, tag) -> list[Creator]:
    creators = []
    for name in CREATORS:
        code = f"{name.replace(' ', '').upper()[:8]}{tag.upper()}"
        creators.append(Creator(network_id=network.id, name=name, code=code, code_key=fold(code)))
    db.session.add_all(creators)
    db.session.flush()
    return creators


def _username(rng) -> str:
    return f"{rng.choice(SYLLABLES).capitalize()}{rng.choice(SYLLABLES)}{rng.randrange(10000)}"


def _hostname(campaigns, rng) -> str | None:
    """A Campaign's join hostname (7 in 10 players), or none (organic)."""
    return rng.choice(campaigns).hostnames[0].hostname if rng.random() < 0.7 else None


def _players(server, campaigns, rng, count, days, now) -> list[str]:
    """``count`` players first joining on a day of the last ``days``, some coming back on
    later days; sent day by day as the plugin would."""
    names = {_username(rng) for _ in range(count)}
    names = sorted(name for name in names if find_player(server.id, name) is None)
    joins = defaultdict(list)  # days ago -> joins
    for name in names:
        first = rng.randrange(days)
        joins[first].append({"username": name, "hostname": _hostname(campaigns, rng)})
        for ago in rng.sample(range(first), min(first, rng.choice([0, 0, 1, 2, 3, 6]))):
            joins[ago].append({"username": name, "hostname": None})
    for ago in sorted(joins, reverse=True):
        batch = joins[ago]
        for start in range(0, len(batch), MAX_ENTRIES):
            record_joins(server, parse_joins(batch[start:start + MAX_ENTRIES]),
                         now=now - timedelta(days=ago, minutes=rng.randrange(600)))
    return names


def _costs(campaigns, rng, days, now) -> None:
    """Each Campaign: a monthly budget over the last 30 days, and a few one-day boosts."""
    today = now.date()
    for campaign in campaigns:
        costs.add_cost(campaign, str(rng.randrange(50, 400) * 5), "EUR",
                       today - timedelta(days=29), today, actor="flask demo")
        for _ in range(rng.randrange(3)):
            day = today - timedelta(days=rng.randrange(min(days, 90)))
            costs.add_cost(campaign, f"{rng.randrange(1000, 9999) / 100:.2f}", "USD", day,
                           actor="flask demo")


def _commissions(creators, rng, days, now) -> None:
    """Each creator: a rate from the start, and for some a raise halfway through."""
    start = now.date() - timedelta(days=days)
    for creator in creators:
        rate = Decimal(rng.choice((5, 10, 15)))
        statements.set_rate(creator, rate, start, None)
        if rng.random() < 0.5:
            statements.set_rate(creator, rate + 5, start + timedelta(days=days // 2), None)


def _purchases(servers, players, creators, count, days, rng) -> set:
    """Records ``count`` purchases; returns (server, username) of Unmatched buyers who will
    join later."""
    now = datetime.now(timezone.utc)
    late = set()
    for n in range(count):
        server = rng.choice(servers)
        unmatched = rng.random() < 0.1
        username = _username(rng) if unmatched else rng.choice(players[server.id])
        if unmatched and rng.random() < 0.2:
            late.add((server, username))
        store = rng.choice(list(STORES))
        purchase, _ = record_purchase(server, store, _event(rng, username, store, creators, now,
                                                            days))
        _maybe_reverse(purchase, rng)
        if n % 500 == 499:
            db.session.commit()
    return late


def _event(rng, username, store, creators, now, days) -> PurchaseEvent:
    currency = rng.choice(STORES[store])
    scale = 100 if currency != "RUB" else 8000
    items = tuple(Item(name, qty, CATALOG[name] * qty * scale // 100)
                  for name in rng.sample(list(CATALOG), rng.choice([1, 1, 1, 2]))
                  for qty in [rng.choice([1, 1, 2, 3])])
    creator = rng.choice(creators) if rng.random() < 0.25 else None
    return PurchaseEvent(
        transaction_id=f"{store[:3]}-{secrets.token_hex(8)}", username=username,
        amount_minor=sum(i.total_minor for i in items), currency=currency, items=items,
        purchased_at=now - timedelta(seconds=rng.randrange(days * 86400)),
        email=f"{username.lower()}@example.com" if rng.random() < 0.6 else None,
        coupon=creator.code if creator else None)


def _maybe_reverse(purchase, rng) -> None:
    roll = rng.random()
    if roll < 0.01:
        apply_reversal(purchase, "chargeback", None, external_id=f"cb-{purchase.id}",
                       reason="Disputed with the bank")
    elif roll < 0.05:
        amount = None if roll < 0.03 else max(purchase.amount_minor // 2, 1)
        apply_reversal(purchase, "refund", amount, external_id=f"rf-{purchase.id}",
                       reason="Refund requested by the player")


COMMANDS = (demo,)
