"""Servers and their plugin API keys."""
from sqlalchemy import select

from extensions import db
from ledger import jobs
from ledger.crypto import digest, new_api_key, new_project_id
from models import Network, Server


def create_server(network: Network, name: str) -> tuple[Server, str]:
    """A new Server and its plugin API key (returned once; only its digest is stored)."""
    key = new_api_key()
    server = Server(network=network, name=name.strip(), project_id=new_project_id(),
                    api_key_hash=digest(key))
    db.session.add(server)
    db.session.flush()
    return server, key


def regenerate_api_key(server: Server) -> str:
    key = new_api_key()
    server.api_key_hash = digest(key)
    db.session.flush()
    return key


def server_for_api_key(key: str) -> Server | None:
    """The Server a plugin key belongs to. Lookup is by SHA-256 digest, so no key is compared."""
    if not key:
        return None
    return db.session.scalar(select(Server).filter_by(api_key_hash=digest(key)))


def server_by_project_id(project_id: str, network_id: int | None = None) -> Server | None:
    """The Server with ``project_id`` (of the Network ``network_id`` only, when given)."""
    query = select(Server).filter_by(project_id=project_id)
    if network_id is not None:
        query = query.filter_by(network_id=network_id)
    return db.session.scalar(query)


def rename_server(server: Server, name: str) -> None:
    server.name = name.strip()
    db.session.flush()


def delete_server(server: Server) -> None:
    """Delete a Server with its players, purchases and integrations (foreign keys cascade);
    the worker then recounts the Network's revenue rollups, which the cascade cannot reach."""
    network_id = server.network_id
    db.session.delete(server)
    db.session.flush()
    jobs.enqueue(jobs.RECOUNT, network_id)
