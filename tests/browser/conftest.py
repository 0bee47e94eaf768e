"""Browser tests: the audit view in Debian's Chromium, driven by Playwright, against a real
``ipledger serve`` over the data folder the demo leaves (the Sino-German scenario).

The demo runs once per test session (about 30 s); its folder is copied once, and one
journal entry's stored payload altered in the copy, before either is served. Chromium is
Debian's (``/usr/bin/chromium``), launched by Playwright's own driver; nothing is
downloaded, and every request the pages make is checked to stay on 127.0.0.1.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from rich.console import Console

from api.demo import DemoResult, run_demo
from api.demo.server import serving
from ledger.chain.compiler import Build, project_root
from tests.conftest import unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
SCENARIO = project_root() / "scripts/scenarios/sino-german-vision.toml"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Demo:
    """The demo's data folder, a copy with one entry altered, and what the demo did."""

    home: Path
    tampered: Path
    tampered_seq: int
    result: DemoResult

    def key(self, who: str) -> str:
        """The API key of ``who``: ``arbiter``, ``admin``, ``funder``, a partner's key…"""
        return self.result.api_keys[who]


def alter_one_payload_byte(database: Path, project_id: int) -> int:
    """Change one byte of one stored journal payload: the first digit of the first
    registered contribution's value (the record now claims more than was signed). Its seq."""
    with closing(sqlite3.connect(database)) as connection, connection:
        seq, payload = connection.execute(
            "SELECT seq, payload FROM journal_entry WHERE project_id = ? "
            "AND kind = 'contribution.registered' ORDER BY seq LIMIT 1",
            (project_id,),
        ).fetchone()
        at = payload.index('"value":"') + len('"value":"')
        digit = str((int(payload[at]) + 1) % 10)
        altered = payload[:at] + digit + payload[at + 1 :]
        assert len(altered.encode()) == len(payload.encode()) and altered != payload
        connection.execute(
            "UPDATE journal_entry SET payload = ? WHERE project_id = ? AND seq = ?",
            (altered, project_id, seq),
        )
    return int(seq)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, build: Build, build_cache: Path) -> Demo:
    """The demo run once; its folder and an altered copy, neither served yet."""
    root = tmp_path_factory.mktemp("audit-view")
    shared = root / "shared"  # the usual data folder's build cache, warm: no compiling
    (shared / "build").mkdir(parents=True)
    shutil.copy(build_cache / f"{build.key}.json", shared / "build")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IPLEDGER_HOME", str(shared))
        result = run_demo(SCENARIO, home=root / "demo", console=Console(file=io.StringIO()))
    tampered = root / "tampered"
    shutil.copytree(root / "demo", tampered)
    seq = alter_one_payload_byte(tampered / "ledger.sqlite3", result.project_id)
    return Demo(home=root / "demo", tampered=tampered, tampered_seq=seq, result=result)


@pytest.fixture(scope="session")
def served(demo: Demo) -> Iterator[str]:
    """``ipledger serve`` over the demo's folder, as the demo left it."""
    with serving(demo.home) as url:
        yield url


@pytest.fixture(scope="session")
def served_tampered(demo: Demo) -> Iterator[str]:
    """``ipledger serve`` over the copy with one journal payload byte changed."""
    with serving(demo.tampered) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a browser Playwright would download)."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page and what it did: every request's URL and headers, the ones refused for
    leaving 127.0.0.1, and the script errors it raised."""

    page: Page
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def watch(browser: Browser, viewport: dict[str, int]) -> Iterator[Watched]:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    watched = Watched(page)

    def only_here(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watched.outside.append(url)
            route.abort()

    context.route("**/*", only_here)
    page.on("request", lambda r: watched.requests.append((r.url, r.headers)))
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    yield watched
    context.close()
    assert watched.outside == [], watched.outside
    assert watched.errors == [], watched.errors


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Watched]:
    """A fresh browser tab at 1280×800 (its own session storage)."""
    yield from watch(browser, DESKTOP)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Watched]:
    """A fresh browser tab at a phone's width, 390×844."""
    yield from watch(browser, PHONE)


def sign_in(page: Page, url: str, key: str) -> None:
    """Open the audit view and give it ``key``; back once its first page is drawn."""
    page.goto(f"{url}/audit/")
    page.fill("#api-key", key)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("#nav a")
    page.wait_for_selector("main .page")  # the first page the key may read, drawn


def open_page(page: Page, url: str, project_id: int, name: str, query: str = "") -> None:
    """Go to one of the project's pages and wait until it is drawn."""
    page.goto(f"{url}/audit/#/{project_id}/{name}{query}")
    page.wait_for_selector(f".page-{name}")
