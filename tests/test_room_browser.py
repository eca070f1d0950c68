"""The workshop room in real browsers, offline: a projector and 25 participants at once, two rounds.

Debian's headless Chromium (driven by Playwright) opens the projector and 25 participant contexts
(phones of 390x844 among them) on a room served from this process, with every request that does not
go to 127.0.0.1 blocked. Everyone joins by the QR code's address, takes a role and decides in two
rounds; the test checks that every page shows only its own role's controls, that every decision is
applied to the city exactly once, that a participant who drops and rejoins by name keeps the role,
that a late joiner sees the current state, that the projector's text is at least 14 px and fits 1280 px at
1280x800 and that a phone page fits 390 px. Screenshots go to ``tests/artifacts/room_*.png``. The latency
benchmark (``benchmarks/room_latency.py``) is run once on a tiny room, to see that it keeps working.

Without Chromium the tests are skipped, unless ``VITALITY_REQUIRE_BROWSER`` is set (then they fail).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from model.workshop.room.roles import items
from model.workshop.room.server import join_link, serving_in_thread
from model.workshop.room.session import Room, RoomSettings

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 90_000  # 26 browser contexts share two cores
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
expect.set_options(timeout=TIMEOUT_MS)

#: Smallest rendered text on the page (HTML and SVG, scaled as shown) and where it is.
SMALLEST_TEXT = """() => {
  let smallest = [1e9, ""];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || el.getClientRects().length === 0) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) size *= el.getScreenCTM().a;
    if (size < smallest[0]) smallest = [size, node.textContent.trim().slice(0, 40)];
  }
  return smallest;
}"""

#: Words of the big numbers' labels and the tables' headers wider than their box (they would break mid-word).
WORDS_TOO_WIDE = """() => [...document.querySelectorAll(".monitor-label, th")].flatMap(el => {
  const style = getComputedStyle(el), probe = document.createElement("span");
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  probe.style.cssText = "white-space: nowrap; position: absolute; font: " + style.font;
  document.body.appendChild(probe);
  const wide = el.innerText.split(/\\s+/).filter(w => { probe.textContent = w; return probe.offsetWidth > room; });
  probe.remove();
  return wide;
})"""


def plan(room: Room) -> list[tuple[str, str]]:
    """25 participants: (name, role key). Three administrators, two professionals and three or four
    residents per neighbourhood."""
    out = [(f"Wethouder {i}", "administrator@city") for i in range(1, 4)]
    for b, n in enumerate(room.view.nbh_names):
        out += [(f"Professional {n} {i}", f"professional@{n}") for i in range(1, 3)]
        out += [(f"Bewoner {n} {i}", f"resident@{n}") for i in range(1, 4 + (b < 2))]
    return out


class Browsing:
    """Chromium contexts that may only reach 127.0.0.1; collects what went wrong."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.blocked: list[str] = []
        self.errors: list[str] = []

    def page(self, viewport: dict[str, int]) -> Page:
        context = self.browser.new_context(viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)

        def only_local(route: object) -> None:
            if route.request.url.startswith("http://127.0.0.1:"):
                route.continue_()
            else:
                self.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", only_local)
        page = context.new_page()
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        return page


def join(browsing: Browsing, link: str, name: str, phone: bool) -> Page:
    page = browsing.page(PHONE if phone else LAPTOP)
    page.goto(link)
    page.fill("input[name=name]", name)
    page.click(".join-button")
    return page


def field_names(page: Page) -> set[str]:
    return set(page.eval_on_selector_all("form.vote-form [name]", "els => els.map(e => e.name)"))


def decide(page: Page, choices: dict[str, str]) -> None:
    """Choose and save: selects for numbers, radio buttons for choices."""
    for key, value in choices.items():
        if page.locator(f"select[name={key}]").count():
            page.select_option(f"select[name={key}]", value)
        else:
            page.check(f"input[name={key}][value='{value}']")
    page.click("button.save")
    expect(page.locator(".save-state.is-saved")).to_be_visible()


def votes_for(role_key: str, seat: int, page: Page) -> dict[str, str]:
    """What each seat decides in round 1 (administrators 2:1 for facilitating; a budget median of 20)."""
    kind = role_key.split("@")[0]
    if kind == "administrator":
        return {"steering": ("facilitating", "facilitating", "enforcing")[seat - 1],
                "citizen_budget": ("30", "20", "10")[seat - 1]}
    if kind == "professional":
        return {"split_outreach": ("40", "50")[seat - 1]}
    if seat == 4 and page.locator("input[name=initiative][value^='join:']").count():
        return {"initiative": page.locator("input[name=initiative][value^='join:']").first.get_attribute("value")}
    return {"help": "ties", "volunteer": "core", "initiative": "none"} if seat == 1 else (
        {"volunteer": "step_back"} if seat == 2 else {"help": "district_team"})


def wait_for_round(pages: list[Page], phase: str, number: int) -> None:
    for page in pages:
        expect(page.locator(f"main[data-phase={phase}][data-round='{number}']")).to_be_attached()


def applied_once(room: Room, entry: dict) -> None:
    """Every action of a round is in the city exactly once: one intervention each, one steering switch."""
    m = room.city.live
    made = Counter((type(iv).name, iv.start_week) for iv in m.interventions if iv.start_week == entry["week_from"])
    wanted = Counter((a["kind"], entry["week_from"]) for a in entry["actions"] if a["kind"] not in ("", "steering"))
    assert made == wanted
    switches = sum(1 for d in m.decisions if d.kind == "steering" and d.week == entry["week_from"])
    assert switches == sum(1 for a in entry["actions"] if a["kind"] == "steering")


@pytest.fixture(autouse=True)
def chromium() -> None:
    """Skip (or with ``VITALITY_REQUIRE_BROWSER`` fail) when Debian's Chromium is not installed."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found; install it with: apt-get install --no-install-recommends chromium"
        if os.environ.get("VITALITY_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.slow
def test_a_room_of_25_plays_two_rounds_offline(tmp_path: Path) -> None:
    room = Room(RoomSettings(overrides={"n_residents": 800}), tmp_path / "room.json")
    people = plan(room)
    assert len(people) == 25
    ARTIFACTS.mkdir(exist_ok=True)
    with serving_in_thread(room) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        browsing = Browsing(browser)
        link = join_link(url, room)
        try:
            projector = browsing.page(LAPTOP)
            projector.goto(f"{url}/projector?key={room.facilitator_key}")
            expect(projector.locator(".room-code")).to_have_text(room.code)

            # Everyone joins by the QR code's address (the code filled in) and takes a role.
            pages: list[Page] = []
            for i, (name, role_key) in enumerate(people):
                page = join(browsing, link, name, phone=i % 2 == 0)
                page.locator(f"li[data-role='{role_key}'] button.take").click()
                expect(page.locator(f"section.role[data-role='{role_key}']")).to_be_visible()
                pages.append(page)
            expect(projector.locator(".seats-box")).to_contain_text("Deelnemers: 25")
            seat_of = {p.name: p.seat for p in room.participants.values()}

            # Round 1: every page follows the facilitator; each sees only its own role's controls.
            projector.click(".open-round")
            wait_for_round(pages, "open", 1)
            for page, (name, role_key) in zip(pages, people, strict=True):
                assert field_names(page) == {i.key for i in items(room.role_by_key[role_key], room.view)}, name
                assert page.locator("form[action^='/facilitator']").count() == 0
                decide(page, votes_for(role_key, seat_of[name], page))
            expect(projector.locator(".voted")).to_contain_text("25 van 25")
            projector.screenshot(path=ARTIFACTS / "room_projector_open.png", full_page=True)
            projector.click(".close-round")
            wait_for_round([*pages, projector], "results", 1)
            first = room.history[0]
            applied_once(room, first)
            assert room.city.live.steering_mode == "facilitating"
            assert set(room.view.levers["citizen_budget"]) == {20.0}
            expect(projector.locator(".decisions")).to_contain_text("burgerbegroting € 20")

            # Round 2: one phone drops and rejoins by name on another device; a late joiner arrives.
            projector.click(".open-round")
            wait_for_round(pages, "open", 2)
            dropped = 4  # a professional's phone
            name, role_key = people[dropped]
            pages[dropped].context.close()
            pages[dropped] = join(browsing, link, name, phone=True)
            expect(pages[dropped].locator(f"section.role[data-role='{role_key}']")).to_be_visible()
            assert field_names(pages[dropped]) == {i.key for i in items(room.role_by_key[role_key], room.view)}
            late = join(browsing, link, "Laatkomer", phone=True)
            late_role = next(r.key for r in room.roles if room.free_seats(r.key))
            late.locator(f"li[data-role='{late_role}'] button.take").click()
            expect(late.locator("main[data-phase=open] .status-week")).to_contain_text("week 4")
            pages.append(late)
            pages[1].click("a.lang-en")  # one device in English, the others stay Dutch
            expect(pages[1].locator(".status-text")).to_contain_text("Round 2 is open")
            expect(pages[2].locator(".status-text")).to_contain_text("Ronde 2 is open")
            for i in range(3):
                decide(pages[i], {"citizen_budget": "0"})
            decide(pages[dropped], {"split_connecting": "60"})
            decide(late, {"help": "ties"})
            projector.select_option("select.weeks", "2")
            projector.click(".close-round")
            wait_for_round([*pages, projector], "results", 2)
            second = room.history[1]
            applied_once(room, second)
            assert {a["item"] for a in second["actions"]} == {"citizen_budget", "split", "help"}
            assert room.view.week == 6 and set(room.view.levers["citizen_budget"]) == {0.0}

            # Readable from the back of the room; usable on a phone.
            size, text = projector.evaluate(SMALLEST_TEXT)
            assert size >= 14, f"projector text of {size:.1f} px: {text!r}"
            assert projector.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
            assert projector.evaluate(WORDS_TOO_WIDE) == []
            for page in (pages[0], late):
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                assert page.evaluate(WORDS_TOO_WIDE) == []
            projector.screenshot(path=ARTIFACTS / "room_projector.png", full_page=True)
            pages[0].screenshot(path=ARTIFACTS / "room_phone_administrator.png", full_page=True)
            late.screenshot(path=ARTIFACTS / "room_phone_resident.png", full_page=True)
        finally:
            browser.close()
    assert browsing.blocked == [], f"a page asked for the internet: {browsing.blocked}"
    assert browsing.errors == [], f"errors in the pages: {browsing.errors}"


@pytest.mark.slow  # a Chromium, a city and its own process: 15-40 s on a busy 2-core machine
def test_the_latency_benchmark_measures_a_round() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "room_latency.py"), "--residents", "300",
                          "--participants", "2", "--rounds", "1", "--weeks", "1"],
                         check=True, capture_output=True, text=True, timeout=600).stdout
    assert "2 participants joined and took roles" in out
    slowest, median, fastest = re.search(r"round 1: slowest ([\d.]+) s, median ([\d.]+) s, fastest ([\d.]+) s",
                                         out).groups()
    assert float(slowest) >= float(median) >= float(fastest) > 0
    assert re.search(r"server part, open: \d+ ms", out) and re.search(r"server part, close: \d+ ms", out)
