"""All models, imported here so Alembic and the app see every table."""
from models.activity import ActivityDay, CohortMonth, PlayerDay
from models.api_token import ApiToken
from models.campaign import Campaign, CampaignHostname
from models.cost import Cost, CostChange
from models.creator import CommissionRate, Creator, CreatorBuyer, StatementLine, StatementPayment
from models.exchange_rate import ExchangeRate
from models.integration import (Delivery, DeliveryKey, DeliveryRejection, Integration, ReplayCopy,
                                SignatureUse)
from models.notification import DiscordAlert, WebhookEndpoint
from models.outbox import OutboxEvent, Send
from models.network import MEMBER, OWNER, Membership, Network
from models.pending_payment import PendingPayment
from models.player import Player
from models.purchase import Adjustment, Purchase, PurchaseItem
from models.rollup import Buyer, BuyerDay, ItemDay, RevenueDay
from models.server import Server
from models.share_link import ShareLink
from models.store_event import StoreEvent
from models.user import User
from models.worker import Job, Lease

__all__ = [
    "ActivityDay", "ApiToken", "CohortMonth", "CommissionRate", "CreatorBuyer", "Cost", "CostChange", "PlayerDay",
    "ShareLink", "StatementLine", "StatementPayment",
    "Adjustment", "Buyer", "BuyerDay", "Campaign", "CampaignHostname", "Creator", "Delivery",
    "DeliveryKey", "DeliveryRejection", "DiscordAlert", "Job", "Lease", "OutboxEvent",
    "ReplayCopy", "Send", "SignatureUse", "WebhookEndpoint",
    "ExchangeRate", "Integration", "ItemDay", "MEMBER", "Membership", "Network", "OWNER",
    "PendingPayment", "Player", "Purchase", "PurchaseItem", "RevenueDay", "Server", "StoreEvent",
    "User",
]
