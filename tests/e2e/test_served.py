"""The served process answers as the in-process app does: health, keys, the chain."""

from __future__ import annotations

import pytest

from api.client import ApiError, Client
from tests.e2e.served import Served, funded_accounts


@pytest.mark.slow
def test_the_served_api_knows_its_first_admin_and_refuses_others(served: Served) -> None:
    admin = Client.connect(served.url, served.admin_key)
    try:
        assert admin.get("/health")["status"] == "ok"
        assert admin.me()["role"] == "admin"
        chain = admin.chain()
        assert chain["operator"] != funded_accounts()[0].address
        with pytest.raises(ApiError) as refused:
            admin.as_key("ipl_000000000000_" + "A" * 43).me()
        assert refused.value.status == 401
        assert refused.value.type == "/problems/unauthenticated"
    finally:
        admin.close()
