"""HTTP layer: each module holds one feature's routes as ``bp``."""
from blueprints import (api, auth, campaigns, creators, gateway, home, integrations, networks,
                        notifications, players, plugin, revenue, servers, template_helpers, web,
                        webhooks)

MODULES = (web, auth, home, networks, servers, campaigns, creators, players, api, webhooks, integrations,
           revenue, gateway, plugin, notifications)


def register_blueprints(app) -> None:
    for module in MODULES:
        app.register_blueprint(module.bp)
    web.install(app)
    template_helpers.install(app)
