"""HTTP layer: each module holds one feature's routes as ``bp``."""
from blueprints import (api, api_tokens, auth, campaigns, creators, funnel, gateway, home,
                        integrations, networks, notifications, players, plugin, read_api, revenue,
                        servers, share, template_helpers, web, webhooks)

MODULES = (web, auth, home, networks, servers, campaigns, funnel, creators, players, api, webhooks,
           integrations, revenue, gateway, plugin, notifications, read_api, api_tokens, share)


def register_blueprints(app) -> None:
    for module in MODULES:
        app.register_blueprint(module.bp)
    web.install(app)
    template_helpers.install(app)
