"""The store registry: one pure module per store, looked up by its URL segment (NAME)."""
from providers import custom, donationstore, enderpay, tebex

STORES = {module.NAME: module for module in (custom, donationstore, enderpay, tebex)}


def get(name: str):
    return STORES.get(name)
