"""Users, Networks and memberships."""
from sqlalchemy import select

from extensions import db
from models import MEMBER, OWNER, Membership, Network, User
from models.base import fold


class AccountError(ValueError):
    pass


def create_user(email: str, password: str) -> User:
    email = fold(email)
    if db.session.scalar(select(User).filter_by(email=email)):
        raise AccountError(f"a user with email {email} already exists")
    user = User(email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).filter_by(email=fold(email)))
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


def add_member(network: Network, email: str, role: str = MEMBER) -> Membership:
    user = db.session.scalar(select(User).filter_by(email=fold(email)))
    if user is None:
        raise AccountError(f"no user with email {fold(email)}; create their account first")
    if db.session.scalar(select(Membership).filter_by(network_id=network.id, user_id=user.id)):
        raise AccountError(f"{user.email} is already a member")
    membership = Membership(network=network, user=user, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership
