"""The API's routers, in the order the OpenAPI document lists them."""

from api.routes import (
    audit,
    chain,
    contributions,
    credentials,
    disputes,
    equity,
    health,
    ip,
    milestones,
    principals,
    projects,
)

ROUTERS = (
    health.router,
    chain.router,
    principals.router,
    projects.router,
    credentials.router,
    contributions.router,
    equity.router,
    milestones.router,
    ip.router,
    disputes.router,
    audit.router,
)
