"""Dependencies shared by the routers; tests override them via ``app.dependency_overrides``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ledger.chain.gateway import Chain
from ledger.runtime import Runtime
from ledger.settings import Settings


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings_dep(runtime: RuntimeDep) -> Settings:
    return runtime.settings


def get_chain(runtime: RuntimeDep) -> Chain:
    return runtime.chain


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ChainDep = Annotated[Chain, Depends(get_chain)]
