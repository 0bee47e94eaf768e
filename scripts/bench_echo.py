"""The baseline of the API benchmark: a bare FastAPI app that answers a POST with its body.

Served by uvicorn exactly as ``ipledger serve`` serves the ledger (one process, the same
host, log level and event loop), it measures what FastAPI, uvicorn and JSON cost alone.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI()


@app.post("/echo", status_code=201)
def echo(body: dict[str, Any]) -> dict[str, Any]:
    return body
