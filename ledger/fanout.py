"""Turning outbox events into sends: one per destination that wants the event.

Run by the worker, in order of the events; each event is fanned out once
(``fanned_out_at``). A send's body is fixed here, with names resolved (a Campaign renamed
later does not change what a retry sends).
"""
from sqlalchemy import insert, select, update

from extensions import db
from ledger import exchange_rates, messages
from ledger.alerts import TOPIC_KINDS
from models import (Campaign, Creator, DiscordAlert, Network, OutboxEvent, Send, Server,
                    WebhookEndpoint)
from models.base import utcnow
from models.outbox import DISCORD, PENDING, WEBHOOK


def fan_out(limit: int = 500) -> int:
    """Make the sends of up to ``limit`` events not fanned out yet; how many events. Flushes.

    An event of a Network with no enabled Discord alert or endpoint is only marked fanned
    out: its body is not even read."""
    events = db.session.execute(
        select(OutboxEvent.id, OutboxEvent.network_id)
        .where(OutboxEvent.fanned_out_at.is_(None))
        .order_by(OutboxEvent.id).limit(limit).with_for_update(skip_locked=True)).all()
    if not events:
        return 0
    destinations = {network_id: _destinations(network_id)
                    for network_id in {event.network_id for event in events}}
    wanted = _read([event.id for event in events if any(destinations[event.network_id][:2])])
    names = _names(wanted)
    now, sends = utcnow(), []
    for event in wanted:
        alerts, endpoints, rates = destinations[event.network_id]
        sends += [_send(event, DISCORD, alert.id, messages.discord_embed(
                      alert.template, event.kind, event.data, names, event.created_at), now)
                  for alert in alerts if _alert_wants(alert, event, rates)]
        sends += [_send(event, WEBHOOK, endpoint.id, messages.webhook_body(
                      event.uid, event.kind, event.data, names, event.created_at), now)
                  for endpoint in endpoints if event.kind in endpoint.topics]
    if sends:
        db.session.execute(insert(Send), sends)
    db.session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([e.id for e in events]))
                       .values(fanned_out_at=now).execution_options(synchronize_session=False))
    return len(events)


def _read(event_ids: list[int]) -> list:
    """The events with these ids, whole, in order."""
    if not event_ids:
        return []
    return db.session.execute(
        select(OutboxEvent.id, OutboxEvent.uid, OutboxEvent.network_id, OutboxEvent.kind,
               OutboxEvent.data, OutboxEvent.created_at)
        .where(OutboxEvent.id.in_(event_ids)).order_by(OutboxEvent.id)).all()


def _send(event, target: str, target_id: int, body: dict, now) -> dict:
    return {"event_id": event.id, "target": target, "target_id": target_id, "body": body,
            "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}


def _destinations(network_id: int):
    alerts = db.session.scalars(select(DiscordAlert).filter_by(network_id=network_id,
                                                               enabled=True)).all()
    endpoints = db.session.scalars(select(WebhookEndpoint).filter_by(network_id=network_id,
                                                                     enabled=True)).all()
    network = db.session.get(Network, network_id)
    rates = (network.display_currency, exchange_rates.rates(network_id)) if alerts else None
    return alerts, endpoints, rates


def _alert_wants(alert: DiscordAlert, event, rates) -> bool:
    if not any(event.kind in TOPIC_KINDS[topic] for topic in alert.topics):
        return False
    if alert.server_ids and event.data.get("server_id") not in alert.server_ids:
        return False
    return _at_least(alert, event.data, rates)


def _at_least(alert: DiscordAlert, data: dict, rates) -> bool:
    """The alert's minimum amount: compared in its own currency, or, for an event in another
    one, with both in the Network's display currency through its exchange rates; an amount
    that cannot be compared is sent."""
    amount, currency = data.get("amount_minor"), data.get("currency")
    if alert.min_amount_minor is None or amount is None:
        return True
    if currency == alert.min_currency:
        return amount >= alert.min_amount_minor
    value, minimum = _in_display(amount, currency, rates), \
        _in_display(alert.min_amount_minor, alert.min_currency, rates)
    return value is None or minimum is None or value >= minimum


def _in_display(amount: int, currency: str | None, rates) -> int | None:
    """``amount`` in the display currency, or None when there is none or no rate for it."""
    display, known = rates
    if display is not None and currency == display:
        return amount
    if display is not None and currency in known:
        return exchange_rates.convert(amount, currency, known[currency], display)
    return None


def _names(events: list) -> dict:
    """("server"|"campaign"|"creator", id) -> name, for the ids the events mention."""
    wanted = {kind: {e.data.get(f"{kind}_id") for e in events} - {None}
              for kind in ("server", "campaign", "creator")}
    names = {}
    for kind, model in (("server", Server), ("campaign", Campaign), ("creator", Creator)):
        if wanted[kind]:
            rows = db.session.execute(select(model.id, model.name)
                                      .where(model.id.in_(wanted[kind])))
            names.update({(kind, row_id): name for row_id, name in rows})
    return names
