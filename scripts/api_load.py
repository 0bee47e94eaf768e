"""A load generator in its own process: replays prepared requests at a fixed concurrency.

    python scripts/api_load.py REQUESTS.json --base-url http://127.0.0.1:8000 --concurrency 32

``REQUESTS.json`` is a list of ``{"method", "path", "headers", "body"}``. Each request is
sent once, by ``--concurrency`` asyncio workers over one keep-alive connection each; the
output is one JSON object: ``requests``, ``errors`` (answers other than 2xx, by status),
``seconds`` (wall time from the first send to the last answer), ``rps``, and the latency
percentiles ``p50_ms`` and ``p99_ms``. It runs apart from the server so that it does not
take the server's CPU time in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2


async def _run(base_url: str, requests: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []
    errors: Counter[int] = Counter()
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx2.AsyncClient(base_url=base_url, limits=limits, timeout=120) as client:

        async def worker() -> None:
            while not queue.empty():
                request = queue.get_nowait()
                started = time.perf_counter()
                response = await client.request(
                    request["method"],
                    request["path"],
                    headers=request.get("headers"),
                    json=request.get("body"),
                )
                latencies.append(time.perf_counter() - started)
                if not 200 <= response.status_code < 300:
                    errors[response.status_code] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": {str(status): count for status, count in sorted(errors.items())},
        "seconds": seconds,
        "rps": len(latencies) / seconds,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requests", type=Path)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    requests = json.loads(args.requests.read_text(encoding="utf-8"))
    result = asyncio.run(_run(args.base_url, requests, args.concurrency))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
