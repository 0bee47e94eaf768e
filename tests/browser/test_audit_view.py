"""The audit view in a real browser: Debian's Chromium against ``ipledger serve`` over the
demo's data folder, every number on the page compared with the API's answer.

Each test signs in with a party's API key the demo handed out. The proofs are checked by
the page itself (Web Crypto); a test that changes a proof on its way to the page shows
that the page, not the server, decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route

from api.client import Client
from tests.browser.conftest import Demo, Watched, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ("overview", "equity", "payouts", "licences", "disputes", "record", "verify")
ETHER = 10**18


@pytest.fixture(scope="module")
def api(served: str, demo: Demo) -> Iterator[Client]:
    """The API as the arbiter sees it: what the page must show."""
    with closing(Client.connect(served, demo.key("arbiter"))) as client:
        yield client


def texts(page: Page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def nav(page: Page) -> list[str]:
    return texts(page, "#nav a")


# ---------------------------------------------------------------------- what the pages show


def test_the_overview_shows_the_partners_and_the_escrow_balance(
    desktop: Watched, served: str, demo: Demo, api: Client
) -> None:
    page, pid = desktop.page, demo.result.project_id
    sign_in(page, served, demo.key("arbiter"))
    page.wait_for_selector(".page-overview")
    partners = api.get(f"/v1/projects/{pid}/partners")["items"]
    rows = page.locator("#partners tbody tr")
    assert rows.count() == len(partners) == 5
    for row, expected in zip(rows.all(), partners, strict=True):
        cells = [c.strip() for c in row.locator("td, th").all_inner_texts()]
        assert cells[:4] == [
            str(expected["number"]),
            expected["name"],
            expected["side"],
            expected["jurisdiction"],
        ]
    chen = page.locator('#partners tr[data-partner="3"]').inner_text()
    assert "Degree" in chen and "ProfessionalQualification" in chen and "valid" in chen

    balance = api.funding_balance(pid)
    money = {
        label: page.locator(".facts dt", has_text=label).locator("xpath=following-sibling::dd[1]")
        for label in ("Deposited", "Claimed by partners")
    }
    assert money["Deposited"].locator(".money").get_attribute("data-wei") == balance["deposited"]
    assert int(balance["deposited"]) == demo.result.funded == 2_400 * ETHER
    assert money["Deposited"].inner_text() == "2,400 ETH"
    assert money["Claimed by partners"].locator(".money").get_attribute("title") == (
        f"{balance['claimed']} wei"
    )
    held = page.locator("#escrow-held .money")
    assert held.get_attribute("data-wei") == balance["held"] == "0"  # every payout claimed

    milestones = api.get(f"/v1/projects/{pid}/milestones")["items"]
    shown = page.locator("#timeline li")
    assert shown.count() == len(milestones) == 3
    for item, milestone in zip(shown.all(), milestones, strict=True):
        text = item.inner_text()
        assert f"Milestone {milestone['number']}: {milestone['title']}" in text
        assert milestone["state"] in text and f"block {milestone['released_block']}" in text


def test_the_matrix_cells_show_the_same_bps_as_the_api(
    desktop: Watched, served: str, demo: Demo, api: Client
) -> None:
    page, pid = desktop.page, demo.result.project_id
    sign_in(page, served, demo.key("arbiter"))
    open_page(page, served, pid, "equity")
    matrices = {n: api.get(f"/v1/projects/{pid}/equity/milestones/{n}") for n in (1, 2, 3)}
    for number, matrix in matrices.items():
        page.select_option("#milestone-select", str(number))
        page.wait_for_selector(f"#equity-matrix caption:has-text('at milestone {number} ')")
        expected = {
            (column["tier"], share["partner_number"]): share["rights_bps"]
            for column in matrix["tiers"]
            for share in column["shares"]
        }
        assert cells(page) == {key: (bps, bps) for key, bps in expected.items()}
        payout = {e["partner_number"]: e["bps"] for e in matrix["payout_vector"]}
        shown = page.eval_on_selector_all(
            "#payout-vector td[data-payout-bps]",
            "cells => cells.map(c => Number(c.dataset.payoutBps))",
        )
        assert shown == [payout[n] for n in sorted(payout)]
    # milestone 3 against milestone 1: each cell's change is the API's difference
    page.select_option("#milestone-select", "3")
    page.select_option("#compare-select", "1")
    page.wait_for_selector("#equity-matrix td[data-delta]")
    first, last = (
        {(c["tier"], s["partner_number"]): s["rights_bps"] for c in m["tiers"] for s in c["shares"]}
        for m in (matrices[1], matrices[3])
    )
    deltas = page.eval_on_selector_all(
        "#equity-matrix td[data-delta]",
        """cells => cells.map(c => [c.dataset.tier, Number(c.dataset.partner),
             Number(c.dataset.delta), c.title])""",
    )
    assert deltas and {(t, p): d for t, p, d, _ in deltas} == {
        key: bps - first.get(key, 0) for key, bps in last.items()
    }
    tier, number, change, title = deltas[0]
    assert f"{last[(tier, number)]} bps at milestone 3" in title and "milestone 1" in title
    assert "milestone=3&compare=1" in page.url


def cells(page: Page) -> dict[tuple[str, int], tuple[int, int]]:
    """Each heat-map cell: (tier, partner) → (the bps it shows, the bps in its title)."""
    found = page.eval_on_selector_all(
        "#equity-matrix tbody td[data-tier]",
        """cells => cells.map(c => [c.dataset.tier, Number(c.dataset.partner),
             c.querySelector('.bps').textContent, c.title])""",
    )
    shown = {}
    for tier, partner, text, title in found:
        bps_in_title = int(title.split(": ", 1)[1].split(" bps", 1)[0])
        shown[(tier, partner)] = (int(text), bps_in_title)
    return shown


def test_the_payouts_add_up_to_each_milestone(
    desktop: Watched, served: str, demo: Demo, api: Client
) -> None:
    page, pid = desktop.page, demo.result.project_id
    sign_in(page, served, demo.key("rhein_lab"))  # a partner reads them too
    open_page(page, served, pid, "payouts")
    for milestone in demo.result.milestones:
        claims = api.get(f"/v1/projects/{pid}/milestones/{milestone.number}/claims")
        shown = page.eval_on_selector_all(
            f'table[data-milestone="{milestone.number}"] .money',
            "cells => cells.map(c => c.dataset.wei)",
        )
        assert shown == [item["amount"] for item in claims["items"]]
        assert [int(w) for w in shown] == [milestone.claimed[n] for n in sorted(milestone.claimed)]
    assert texts(page, ".check .badge") == ["adds up"] * 3


def test_the_disputes_show_their_evidence_and_outcomes(
    desktop: Watched, served: str, demo: Demo, api: Client
) -> None:
    page, pid = desktop.page, demo.result.project_id
    sign_in(page, served, demo.key("arbiter"))
    open_page(page, served, pid, "disputes")
    for dispute in api.get(f"/v1/projects/{pid}/disputes")["items"]:
        row = page.locator(f'#disputes tr[data-dispute="{dispute["id"]}"]')
        assert row.locator("code.hash").inner_text() == dispute["evidence_hash"]
        assert (dispute["status"], dispute["outcome"]) in [
            ("settled", "replace"),
            ("settled", "uphold"),
        ]
        assert f"{dispute['status']}\t{dispute['outcome']}" in row.inner_text()


# ---------------------------------------------------------------------- proofs and verify


def test_an_inclusion_proof_is_checked_in_the_browser(
    desktop: Watched, served: str, demo: Demo, api: Client
) -> None:
    page, pid = desktop.page, demo.result.project_id
    sign_in(page, served, demo.key("arbiter"))
    open_page(page, served, pid, "record")
    head = api.tree_head(pid)
    assert page.locator("#head-size").inner_text() == str(head["tree_size"])
    assert page.locator("#head-signature").inner_text() == "valid"  # Ed25519, in the page
    anchors = api.anchors(pid)["items"]
    assert texts(page, "#anchors td[data-block]") == [str(a["block_number"]) for a in anchors]

    check(page, 3)
    assert proof_of(page, 3) == ("ok", "proof ok")
    steps = page.locator('tr[data-seq="3"] .steps li').all_text_contents()
    assert len(steps) == 3 and all(step.startswith("✓") for step in steps)

    # the same answer with one node of its audit path changed on the way: the page says no
    def one_node_changed(route: Route) -> None:
        answer = route.fetch().json()
        node = answer["proof"][0]
        answer["proof"][0] = ("0" if node[0] != "0" else "1") + node[1:]
        route.fulfill(json=answer)

    page.route(f"**/v1/audit/{pid}/entries/5?*", one_node_changed)
    check(page, 5)
    assert proof_of(page, 5) == ("failed", "proof failed")
    assert "root mismatch" in page.locator('tr[data-seq="5"] .steps summary').inner_text()

    # an entry whose field differs from what was hashed: its hash is recomputed, not trusted
    def one_field_changed(route: Route) -> None:
        answer = route.fetch().json()
        answer["entry"]["actor"] += "x"
        route.fulfill(json=answer)

    page.route(f"**/v1/audit/{pid}/entries/7?*", one_field_changed)
    check(page, 7)
    assert proof_of(page, 7) == ("failed", "proof failed")
    assert "entry edited" in page.locator('tr[data-seq="7"] .steps summary').inner_text()

    page.unroute(f"**/v1/audit/{pid}/entries/5?*")
    page.unroute(f"**/v1/audit/{pid}/entries/7?*")
    page.click("#check-page")
    page.wait_for_selector(".check-summary .message")
    assert page.locator('tr[data-proof="ok"]').count() == 20
    assert "All 20 proofs" in page.locator(".check-summary").inner_text()


def check(page: Page, seq: int) -> None:
    """Press an entry's "Check proof" and wait for its verdict."""
    page.get_by_role("button", name=f"Check the proof of entry {seq}", exact=True).click()
    page.wait_for_selector(f'tr[data-seq="{seq}"][data-proof]')


def proof_of(page: Page, seq: int) -> tuple[str | None, str]:
    row = page.locator(f'tr[data-seq="{seq}"]')
    return row.get_attribute("data-proof"), row.locator(".proof-result .badge").inner_text()


def test_verify_is_ok_on_the_record_as_the_demo_left_it(
    desktop: Watched, served: str, demo: Demo
) -> None:
    page, pid = desktop.page, demo.result.project_id
    sign_in(page, served, demo.key("arbiter"))
    open_page(page, served, pid, "verify")
    page.click("#verify-button")
    page.wait_for_selector("#verify-verdict", timeout=120_000)
    assert page.locator("#verify-verdict").inner_text() == "ok"
    assert page.locator("#record-problems").count() == 0
    assert f"All {demo.result.record_size} entries match" in page.inner_text("main")


def test_verify_shows_the_entry_whose_row_was_altered_as_failed(
    desktop: Watched, served_tampered: str, demo: Demo
) -> None:
    page, pid, seq = desktop.page, demo.result.project_id, demo.tampered_seq
    sign_in(page, served_tampered, demo.key("arbiter"))
    open_page(page, served_tampered, pid, "verify")
    page.click("#verify-button")
    page.wait_for_selector("#verify-verdict", timeout=120_000)
    assert page.locator("#verify-verdict").inner_text() == "failed"
    failed = page.eval_on_selector_all(
        "#record-problems tr[data-seq]", "rows => rows.map(r => [r.dataset.seq, r.dataset.kind])"
    )
    assert failed == [[str(seq), "edited"]]
    assert "does not match its hash" in page.locator(f'tr[data-seq="{seq}"]').inner_text()
    # the contribution's row still holds the signed value: it differs from the edited entry
    rows = page.locator("#contribution-problems tr[data-contribution]")
    assert rows.count() == 1
    assert rows.locator("td").first.inner_text() == "value"

    # the row links to the entry in the record, where the browser's own check fails too
    page.click(f'#record-problems tr[data-seq="{seq}"] a')
    page.wait_for_selector(".page-record")
    check(page, seq)
    assert proof_of(page, seq) == ("failed", "proof failed")
    assert "entry edited" in page.locator(f'tr[data-seq="{seq}"] .steps summary').inner_text()


# ---------------------------------------------------------------------- access


def test_the_key_stays_out_of_every_url_and_nothing_leaves_127_0_0_1(
    desktop: Watched, served: str, demo: Demo
) -> None:
    page, pid, key = desktop.page, demo.result.project_id, demo.key("arbiter")
    first = page.goto(f"{served}/audit/")
    assert first is not None
    assert "default-src 'none'" in first.headers["content-security-policy"]
    sign_in(page, served, key)
    for name in PAGES:
        page.click(f"#nav a[href='#/{pid}/{name}']")
        page.wait_for_selector(f".page-{name}")
        assert key not in page.url
        if name == "record":  # a proof's own request too
            page.click("button.check-proof >> nth=0")
            page.wait_for_selector("tr[data-proof]")
    assert desktop.requests, "the pages made no request"
    api_calls = 0
    for url, headers in desktop.requests:
        assert key not in url
        assert urlsplit(url).hostname == "127.0.0.1", url
        if urlsplit(url).path.startswith("/v1/"):
            assert headers.get("authorization") == f"Bearer {key}", url
            api_calls += 1
    assert api_calls > 20
    stored = page.evaluate(
        "() => [sessionStorage.getItem('ipledger.apiKey'), localStorage.length, document.cookie]"
    )
    assert stored == [key, 0, ""]
    page.click("text=Sign out")
    page.wait_for_selector("#api-key")
    assert page.evaluate("() => sessionStorage.length") == 0


def test_a_wrong_key_is_refused_with_a_clear_message(
    desktop: Watched, served: str, demo: Demo
) -> None:
    page = desktop.page
    page.goto(f"{served}/audit/")
    page.fill("#api-key", "not a key")
    page.click("#key-form button[type=submit]")
    assert "That is not an API key" in page.inner_text("#key-error")
    unknown = "ipl_000000000000_" + "A" * 43
    page.fill("#api-key", unknown)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("#key-error:has-text('401')")
    assert "does not know this key" in page.inner_text("#key-error")
    assert page.evaluate("() => sessionStorage.length") == 0
    assert page.locator("#nav").is_hidden()
    assert [urlsplit(u).path for u, _ in desktop.requests if "/v1/" in u] == ["/v1/me"]


def test_each_role_sees_only_its_pages(desktop: Watched, served: str, demo: Demo) -> None:
    page, pid = desktop.page, demo.result.project_id
    sign_in(page, served, demo.key("suzhou_smart"))  # a partner: audit.read and alerts
    assert nav(page) == [
        "Overview",
        "Equity",
        "Payouts & claims",
        "Licences & revenue",
        "Disputes",
        "Record",
        "Verify",
    ]
    assert "0 alerts raised" in page.inner_text("main")
    page.click("text=Sign out")
    sign_in(page, served, demo.key("funder"))  # reads the project, not the record
    assert "Record" not in nav(page) and "Verify" not in nav(page)
    open_page(page, served, pid, "overview")
    assert "Alerts are read by partners and arbiters" in page.inner_text("main")
    page.goto(f"{served}/audit/#/{pid}/record")
    page.wait_for_selector("main .message-note")
    assert "needs the action audit.read" in page.inner_text("main")
    assert not any("/v1/audit/" in url for url, _ in desktop.requests)


# ---------------------------------------------------------------------- keyboard and phone


def test_the_keyboard_reaches_the_skip_link_the_nav_and_the_verify_button(
    desktop: Watched, served: str, demo: Demo
) -> None:
    page, pid = desktop.page, demo.result.project_id
    sign_in(page, served, demo.key("arbiter"))
    open_page(page, served, pid, "verify")
    page.reload()
    page.wait_for_selector(".page-verify")
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = focus(page)
        reached.append(focused["text"])
        if focused["id"] == "verify-button":
            assert focused["outline"] != "none"  # the focus is visible
            break
    assert reached[0] == "Skip to content"
    assert reached[-1] == "Verify the record"
    assert reached.index("Overview") < reached.index("Verify") < len(reached) - 1

    # Enter on a link of the nav moves there, and the focus goes to the new page's heading
    page.keyboard.press("Shift+Tab")
    while focus(page)["text"] != "Equity":
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector(".page-equity")
    heading = focus(page)
    assert (heading["tag"], heading["text"]) == ("H1", "Equity")
    # the skip link takes the focus past the header and the nav
    page.reload()
    page.wait_for_selector(".page-equity")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert focus(page)["tag"] == "H1"


def focus(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => { const e = document.activeElement;
            return {id: e.id, text: e.textContent.trim(), tag: e.tagName,
                    outline: getComputedStyle(e).outlineStyle}; }"""
    )


def test_a_phone_width_shows_every_page_without_sideways_scrolling(
    phone: Watched, served: str, demo: Demo
) -> None:
    page, pid = phone.page, demo.result.project_id
    sign_in(page, served, demo.key("arbiter"))
    for name in PAGES:
        open_page(page, served, pid, name)
        width = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1] == 390, (name, width)
