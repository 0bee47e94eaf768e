"""Screenshots of the audit view for the README, taken in Debian's chromium.

    python scripts/audit_screenshots.py [--out docs/img] [--home DIR]

Runs the demo into a temporary folder (or serves a kept one, ``--home``, that holds the
demo's ``api-keys.json``), serves it with ``ipledger serve`` on 127.0.0.1, signs in as the
arbiter and writes ``audit-overview.png``, ``audit-equity.png``, ``audit-record.png`` and
``audit-verify.png`` at 1280×800, and ``audit-phone.png`` at 390×844.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from playwright.sync_api import Page, sync_playwright
from rich.console import Console

from api.demo import run_demo
from api.demo.run import KEYS_FILE
from api.demo.server import serving
from ledger.chain.compiler import project_root

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
SCENARIO = project_root() / "scripts/scenarios/sino-german-vision.toml"

app = typer.Typer(add_completion=False, help=__doc__)
log = logging.getLogger("audit_screenshots")


def sign_in(page: Page, url: str, key: str) -> None:
    page.goto(f"{url}/audit/")
    page.fill("#api-key", key)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("main .page")


def shoot(url: str, key: str, out: Path) -> list[Path]:
    """Every screenshot of the audit view of ``url`` as ``key`` sees it; the files written."""
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        desktop = browser.new_page(viewport={"width": 1280, "height": 800})
        sign_in(desktop, url, key)

        def save(page: Page, name: str) -> None:
            path = out / f"audit-{name}.png"
            page.mouse.move(0, 0)  # no hover state in the picture
            page.screenshot(path=path)
            written.append(path)
            log.info("wrote %s (%d KB)", path, path.stat().st_size // 1024)

        save(desktop, "overview")
        desktop.goto(f"{url}/audit/#/1/equity?milestone=3&compare=1")
        desktop.wait_for_selector("#equity-matrix td[data-delta]")
        save(desktop, "equity")
        desktop.goto(f"{url}/audit/#/1/record")
        desktop.wait_for_selector(".page-record")
        desktop.click("#check-page")
        desktop.wait_for_selector(".check-summary .message")
        desktop.evaluate("document.querySelector('.entries-area').scrollIntoView()")
        save(desktop, "record")
        desktop.goto(f"{url}/audit/#/1/verify")
        desktop.wait_for_selector(".page-verify")
        desktop.click("#verify-button")
        desktop.wait_for_selector("#verify-verdict", timeout=120_000)
        desktop.evaluate("window.scrollTo(0, 0)")
        save(desktop, "verify")

        phone = browser.new_page(viewport={"width": 390, "height": 844})
        sign_in(phone, url, key)
        save(phone, "phone")
        browser.close()
    return written


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="Folder for the PNG files.")] = Path("docs/img"),
    home: Annotated[
        Path | None,
        typer.Option(help="A kept demo folder to serve (default: run the demo afresh)."),
    ] = None,
) -> None:
    """Take the audit view's screenshots."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ipledger-shots-") as scratch:
        if home is None:
            home = Path(scratch) / "demo"
            log.info("running the demo into %s (about 30 s)", home)
            run_demo(SCENARIO, home=home, console=Console(file=io.StringIO()))
        keys_file = home / KEYS_FILE
        if not keys_file.is_file():
            raise typer.BadParameter(f"{keys_file} is missing: give a folder the demo kept")
        key = json.loads(keys_file.read_text(encoding="utf-8"))["arbiter"]
        with serving(home.resolve()) as url:
            shoot(url, key, out)


if __name__ == "__main__":
    app()
