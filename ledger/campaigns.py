"""Campaigns (join hostnames and/or a code) and Creators (a checkout code), per Network.

Codes are unique per Network case-insensitively, hostnames are stored folded and
unique per Network. Errors name the field they are about, so a form can show them.
"""
import re

from sqlalchemy import select

from extensions import db
from ledger import jobs
from models import Campaign, CampaignHostname, Creator, Network
from models.base import fold

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$")


class AttributionError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def normalize_hostname(text: str) -> str:
    """What a player typed to connect, as stored: no port, no Forge marker, folded.

    "Play.Example.NET:25565" -> "play.example.net"; "yt.example.net\\0FML2\\0" -> "yt.example.net".
    """
    host = text.split("\0", 1)[0].strip()
    if host.startswith("["):  # [IPv6]:port
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return fold(host).rstrip(".")


def create_campaign(network: Network, name: str, hostnames=(), code: str | None = None) -> Campaign:
    return update_campaign(Campaign(network_id=network.id), name, hostnames, code)


def update_campaign(campaign: Campaign, name: str, hostnames=(), code: str | None = None) -> Campaign:
    code = (code or "").strip() or None
    wanted = _check_hostnames(campaign, hostnames)
    _check_code(Campaign, campaign, code)
    if not wanted and not code:
        raise AttributionError("hostnames", "give at least one join hostname or a code")
    campaign.name, campaign.code, campaign.code_key = _name(name), code, fold(code) if code else None
    # Keep rows whose hostname stays: deleting and re-adding one in a flush breaks the unique key.
    for row in [row for row in campaign.hostnames if row.hostname not in wanted]:
        campaign.hostnames.remove(row)
    kept = {row.hostname for row in campaign.hostnames}
    campaign.hostnames.extend(CampaignHostname(network_id=campaign.network_id, hostname=host)
                              for host in sorted(wanted - kept))
    db.session.add(campaign)
    db.session.flush()
    return campaign


def create_creator(network: Network, name: str, code: str) -> Creator:
    return update_creator(Creator(network_id=network.id), name, code)


def update_creator(creator: Creator, name: str, code: str) -> Creator:
    code = (code or "").strip()
    if not code:
        raise AttributionError("code", "a Creator needs a code")
    _check_code(Creator, creator, code)
    creator.name, creator.code, creator.code_key = _name(name), code, fold(code)
    db.session.add(creator)
    db.session.flush()
    return creator


def delete(obj: Campaign | Creator) -> None:
    """Purchases and players keep existing; their link to it becomes empty (ON DELETE SET NULL),
    so the Network's revenue rollups are recounted, moving those figures to "none" (a job for
    the worker: the request answers at once, and the pages say figures are being recounted)."""
    network_id = obj.network_id
    db.session.delete(obj)
    db.session.flush()
    db.session.expire_all()  # loaded purchases and players still hold the old ids
    jobs.enqueue(jobs.RECOUNT, network_id)


def campaigns_of(network: Network) -> list[Campaign]:
    return db.session.scalars(select(Campaign).filter_by(network_id=network.id)
                              .order_by(Campaign.name, Campaign.id)).all()


def creators_of(network: Network) -> list[Creator]:
    return db.session.scalars(select(Creator).filter_by(network_id=network.id)
                              .order_by(Creator.name, Creator.id)).all()


def _name(name: str) -> str:
    if not name.strip() or len(name.strip()) > 100:
        raise AttributionError("name", "give a name of 1 to 100 characters")
    return name.strip()


def _check_code(model, obj, code: str | None) -> None:
    if code is None:
        return
    if len(code) > 64:
        raise AttributionError("code", "at most 64 characters")
    clash = db.session.scalar(select(model).filter_by(network_id=obj.network_id, code_key=fold(code)))
    if clash and clash is not obj:
        raise AttributionError("code", f"the code {code!r} is already used by {clash.name}")


def _check_hostnames(campaign: Campaign, hostnames) -> set[str]:
    wanted = {normalize_hostname(h) for h in hostnames if h.strip()}
    for host in sorted(wanted):
        if not HOSTNAME.match(host):
            raise AttributionError("hostnames", f"{host!r} is not a hostname")
        clash = db.session.scalar(select(CampaignHostname).filter_by(
            network_id=campaign.network_id, hostname=host))
        if clash and clash.campaign is not campaign:
            raise AttributionError("hostnames", f"{host} already belongs to {clash.campaign.name}")
    return wanted
