"""A Python client of the ipledger API, on httpx2; it signs what must be signed.

    from api.client import Client

    admin = Client.connect("http://127.0.0.1:8000", api_key)
    project = admin.create_project(agreement)
    partner = admin.as_key(partner_key)
    partner.register_contribution(project["id"], account, tier="core", kind="code", ...)

Every call returns the decoded JSON of the answer, or raises :class:`ApiError` with the
problem document. A list method that takes a ``cursor`` returns one page (``items`` and
``next_cursor``: the record's entries, contributions, disputes, snapshots, tree heads,
anchors); one that does not follows the cursors and returns every item. Each resource's
calls live in their own module (``_projects.py``, …); :class:`Client` is all of them.
"""

from api.client._assets import AssetsApi
from api.client._audit import AuditApi
from api.client._background import BackgroundApi
from api.client._base import ApiError, Base
from api.client._contributions import ContributionsApi
from api.client._credentials import CredentialsApi
from api.client._disputes import DisputesApi
from api.client._equity import EquityApi
from api.client._milestones import MilestonesApi
from api.client._principals import PrincipalsApi
from api.client._projects import ProjectsApi
from api.client._revenue import RevenueApi
from api.client._rights import RightsApi


class Client(
    PrincipalsApi,
    ProjectsApi,
    CredentialsApi,
    ContributionsApi,
    EquityApi,
    MilestonesApi,
    BackgroundApi,
    AssetsApi,
    RevenueApi,
    RightsApi,
    DisputesApi,
    AuditApi,
    Base,
):
    """Every call of the API, as one principal."""

    def chain(self) -> dict:  # type: ignore[type-arg]
        """The chain id, the operator and the contracts' addresses."""
        return self.get("/v1/chain")  # type: ignore[no-any-return]


__all__ = ["ApiError", "Client"]
