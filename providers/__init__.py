"""The store registry: one module per store, looked up by the URL segment."""
STORES: dict = {}


def register(module) -> None:
    STORES[module.NAME] = module


def get(name: str):
    return STORES.get(name)
