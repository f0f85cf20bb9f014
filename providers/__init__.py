"""The store registry: one pure module per store, looked up by its URL segment (NAME)."""
from providers import craftingstore, custom, donationstore, enderpay, tebex

STORES = {module.NAME: module
          for module in (custom, craftingstore, tebex, enderpay, donationstore)}


def get(name: str):
    return STORES.get(name)
