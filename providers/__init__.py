"""The store registry: one pure module per store, looked up by its URL segment (NAME)."""
from providers import custom

STORES = {module.NAME: module for module in (custom,)}


def get(name: str):
    return STORES.get(name)
