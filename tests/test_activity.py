"""The activity rollup (ledger.activity): joins, new and returning players per Server, UTC day
and Campaign, kept in the join's transaction; checked by hand and against a rebuild."""
from collections import Counter
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from extensions import db
from ledger import activity, campaigns, jobs
from ledger.players import record_joins
from ledger.servers import create_server
from models import ActivityDay, Network, Player, PlayerDay, Server
from providers.plugin_api import parse_joins

DAY1 = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)


def at(days: int, hours: int = 0) -> datetime:
    return DAY1 + timedelta(days=days, hours=hours)


def join(server, username, when, hostname=None):
    return record_joins(server, parse_joins({"username": username, "hostname": hostname}),
                        now=when)


def rollup(network_id):
    """{(server_id, day, campaign_id): (joins, new, returning)} of the Network."""
    rows = db.session.scalars(select(ActivityDay).filter_by(network_id=network_id))
    return {(r.server_id, r.day, r.campaign_id): (r.joins, r.new_players, r.returning_players)
            for r in rows if r.joins}


def assert_activity_exact(network_id):
    kept = rollup(network_id)
    activity.rebuild_activity(network_id)
    assert rollup(network_id) == kept
    db.session.rollback()


def test_joins_new_and_returning_by_hand(app, server):
    """Steve joins via YouTube on day 0 twice and day 2; Anna (organic) on day 0 and day 2
    (twice, 23:00 the day before counts for day 1); Bob via YouTube on day 2."""
    with app.app_context():
        lobby = db.session.get(Server, server.id)
        yt = campaigns.create_campaign(db.session.get(Network, server.network_id), "YouTube",
                                       ["yt.example.net"])
        join(lobby, "Steve", at(0), "yt.example.net")
        join(lobby, "steve", at(0, 5), "play.example.net")  # second join the same day
        join(lobby, "Anna", at(0, 1))
        join(lobby, "Anna", at(0, 13))  # 23:00 UTC on day 0 -> still day 0
        join(lobby, "Anna", at(1, 14))  # 00:00 UTC day 2
        join(lobby, "Steve", at(2), "yt.example.net")
        join(lobby, "Bob", at(2, 1), "yt.example.net")
        join(lobby, "Anna", at(2, 2))
        db.session.commit()
        d0, d2 = date(2026, 3, 1), date(2026, 3, 3)
        assert rollup(server.network_id) == {
            (lobby.id, d0, yt.id): (2, 1, 0),  # Steve x2: new once
            (lobby.id, d0, 0): (2, 1, 0),  # Anna x2
            (lobby.id, d2, 0): (2, 0, 1),  # Anna at 00:00 and 12:00: returning once
            (lobby.id, d2, yt.id): (2, 1, 1),  # Bob new, Steve returning
        }
        presence = {(p.player_id, p.day): p.joins for p in db.session.scalars(select(PlayerDay))}
        steve = db.session.scalar(select(Player).filter_by(username_key="steve"))
        assert presence[(steve.id, d0)] == 2 and presence[(steve.id, d2)] == 1
        assert steve.last_seen == at(2) and steve.first_seen == at(0)
        assert steve.campaign_id == yt.id  # the first join's Campaign stays
        assert_activity_exact(server.network_id)


def test_an_older_join_does_not_move_last_seen_back(app, server):
    with app.app_context():
        lobby = db.session.get(Server, server.id)
        join(lobby, "Steve", at(3))
        join(lobby, "Steve", at(1))  # a queued join the plugin sends late
        steve = db.session.scalar(select(Player))
        assert steve.last_seen == at(3)


def test_deleting_a_campaign_moves_its_activity_to_organic_in_the_recount(app, server):
    with app.app_context():
        lobby = db.session.get(Server, server.id)
        yt = campaigns.create_campaign(db.session.get(Network, server.network_id), "YouTube",
                                       ["yt.example.net"])
        join(lobby, "Steve", at(0), "yt.example.net")
        join(lobby, "Steve", at(1))
        campaigns.delete(yt)
        jobs.run_due()
        db.session.commit()
        assert rollup(server.network_id) == {(lobby.id, date(2026, 3, 1), 0): (1, 1, 0),
                                             (lobby.id, date(2026, 3, 2), 0): (1, 0, 1)}


def test_deleting_a_server_recounts_without_it(app, server):
    from ledger.servers import delete_server

    with app.app_context():
        lobby = db.session.get(Server, server.id)
        join(lobby, "Steve", at(0))
        delete_server(lobby)
        jobs.run_due()
        db.session.commit()
        assert rollup(server.network_id) == {}


JOINS = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 23), st.sampled_from(
    ["Ann", "ann", "Bob", "Cid", "Dee"]), st.sampled_from([None, "a.example.net",
                                                           "b.example.net", "x.example.net"])),
    min_size=1, max_size=25)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(joins=JOINS, batch=st.integers(1, 4))
def test_the_kept_rollup_equals_a_recount_of_the_joins(app, network, joins, batch):
    """Joins in time order, sent in batches as the plugin does; the rollup kept at each join
    equals a rebuild from presence, and both equal a count made here from the joins."""
    with app.app_context():
        net = db.session.get(Network, network)
        server, _ = create_server(net, "Hub")
        if not campaigns.campaigns_of(net):
            campaigns.create_campaign(net, "A", ["a.example.net"])
            campaigns.create_campaign(net, "B", ["b.example.net"])
        ids = {c.hostnames[0].hostname: c.id for c in campaigns.campaigns_of(net)}
        joins = sorted(joins, key=lambda j: (j[0], j[1]))
        for start in range(0, len(joins), batch):
            group = joins[start:start + batch]
            when = at(group[-1][0], group[-1][1])  # a batch arrives at once
            record_joins(server, parse_joins([{"username": name, "hostname": host}
                                              for _, _, name, host in group]), now=when)
        db.session.commit()
        expected: dict[tuple, Counter] = {}
        first: dict[str, tuple] = {}
        seen = set()
        for start in range(0, len(joins), batch):
            group = joins[start:start + batch]
            day = at(group[-1][0], group[-1][1]).date()
            for _, _, name, host in group:
                key = name.casefold()
                first.setdefault(key, (day, ids.get(host, 0)))
                counts = expected.setdefault((server.id, day, first[key][1]), Counter())
                counts["joins"] += 1
                if (key, day) not in seen:
                    seen.add((key, day))
                    counts["new" if first[key][0] == day else "returning"] += 1
        kept = {k: v for k, v in rollup(network).items() if k[0] == server.id}
        assert kept == {k: (c["joins"], c["new"], c["returning"]) for k, c in expected.items()}
        assert_activity_exact(network)
