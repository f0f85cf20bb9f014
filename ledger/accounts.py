"""Users, Networks and memberships."""
from sqlalchemy import func, select

from extensions import db
from ledger import locks
from models import MEMBER, OWNER, Membership, Network, User
from models.base import fold

MIN_PASSWORD = 10


class AccountError(ValueError):
    pass


def create_user(email: str, password: str) -> User:
    email = fold(email)
    if find_user(email):
        raise AccountError(f"a user with email {email} already exists")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    user = User(email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, new_password: str) -> None:
    """Set a new password; every session of the user ends (see end_sessions)."""
    if len(new_password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    user.set_password(new_password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Make every session cookie issued to the user so far stop working."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def user_for_session(session_id: str) -> User | None:
    """The user a session's id ("<user id>.<session version>") still stands for."""
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or (user.session_version or 0) != int(version):
        return None
    return user


def claim_first_run() -> bool:
    """Whether the caller may create the first account: True while no user exists, under a
    lock held until the transaction ends (PostgreSQL: an advisory lock; SQLite: the write
    lock), so that two visitors signing up at once cannot both make one."""
    locks.hold("first-run")
    return not has_users()


def has_users() -> bool:
    return db.session.scalar(select(func.count(User.id))) > 0


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).filter_by(email=fold(email)))


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        User(email="").set_password(password)  # same work either way: no user enumeration by timing
        return None
    return user if user.check_password(password) else None


def create_network(owner: User, name: str) -> Network:
    network = Network(name=name.strip())
    network.memberships.append(Membership(user=owner, role=OWNER))
    db.session.add(network)
    db.session.flush()
    return network


def network_ids(user_id: int, limit: int = 2) -> list[int]:
    """Up to ``limit`` ids of the Networks the user is in (where signing in lands)."""
    return list(db.session.scalars(select(Membership.network_id).filter_by(user_id=user_id)
                                   .order_by(Membership.network_id).limit(limit)))


def find_network(ref: str) -> Network:
    """A Network by id or exact name (for the CLI)."""
    network = db.session.get(Network, int(ref)) if ref.isdigit() else None
    if network:
        return network
    found = db.session.scalars(select(Network).filter_by(name=ref.strip())).all()
    if len(found) != 1:
        raise AccountError(f"no Network with id or name {ref!r}" if not found else
                           f"{len(found)} Networks are named {ref!r}; use the id")
    return found[0]


def add_member(network: Network, email: str, role: str = MEMBER,
               password: str | None = None) -> Membership:
    """Add a user to a Network; with a password, a missing user is created first."""
    user = find_user(email)
    if user is None and password:
        user = create_user(email, password)
    if user is None:
        raise AccountError(f"no user with email {fold(email)}; give a password to create them")
    if db.session.scalar(select(Membership).filter_by(network_id=network.id, user_id=user.id)):
        raise AccountError(f"{user.email} is already a member")
    membership = Membership(network=network, user=user, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def remove_member(network: Network, email: str, by: User | None = None) -> Membership:
    """Take a user out of a Network; refused when they are its last owner, or when ``by``
    (the owner asking, if any) is no longer an owner by the time the lock is held.

    The Network row is locked first, so two owners removing each other at once cannot
    leave it with none: on PostgreSQL the second waits for the row; on SQLite a request
    already holds the database's write lock, and elsewhere (the CLI) a write that got in
    first makes this one fail rather than count stale rows.
    """
    db.session.scalar(select(Network.id).filter_by(id=network.id).with_for_update())
    if by is not None and _role(network, by.id) != OWNER:
        raise AccountError(f"{by.email} is no longer an owner of {network.name}")
    user = find_user(email)
    membership = user and db.session.scalar(
        select(Membership).filter_by(network_id=network.id, user_id=user.id))
    if not membership:
        raise AccountError(f"{fold(email)} is not a member of {network.name}")
    owners = db.session.scalar(select(func.count()).select_from(Membership).filter_by(
        network_id=network.id, role=OWNER))
    if membership.role == OWNER and owners <= 1:
        raise AccountError(f"{membership.user.email} is the only owner of {network.name}; "
                           "make someone else an owner first")
    db.session.delete(membership)
    db.session.flush()
    return membership


def _role(network: Network, user_id: int) -> str | None:
    return db.session.scalar(select(Membership.role).filter_by(network_id=network.id,
                                                                user_id=user_id))
