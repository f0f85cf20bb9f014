"""The store registry: one pure module per store, looked up by its URL segment (NAME)."""
from providers import craftingstore, custom

STORES = {module.NAME: module for module in (custom, craftingstore)}


def get(name: str):
    return STORES.get(name)
