"""Latency of the workshop room: from the facilitator closing a round to every participant's screen.

Starts a room on a 2,000-resident city (the issue's size; ``--residents``) served from this process,
opens the projector and 25 participant browser contexts in Debian's headless Chromium (every other
one a 390x844 phone), lets them join and take roles, and then plays ``--rounds`` rounds of
``--weeks`` weeks in which the administrators switch the steering mode and the residents act. For
each round it measures, with the browsers' own clocks (one machine, one clock), the time from the
click on "close round" until each participant's page shows the round's outcome, and prints the
slowest and the median participant per round. Goal (issue 16): the slowest at most 2 s.

It also times the server's own part, on the room after the browsers are gone: opening a round (which
copies the city for undo) and closing it (the decisions, the weeks of the live city and its baselines,
the new view and ``room.json``).

Run: ``python benchmarks/room_latency.py`` (about two minutes); results go to ``docs/performance.md``
by hand, with the machine and its load, which this prints.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from model.workshop.room.server import join_link, serving_in_thread
from model.workshop.room.session import Room, RoomSettings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Records, in the page, when it first shows the outcome of each round (the script swaps in a new <main>).
WATCH = """() => {
  window.__shown = {};
  const note = () => {
    const main = document.querySelector("main[data-phase=results]");
    if (main && !(main.dataset.round in window.__shown)) window.__shown[main.dataset.round] = Date.now();
  };
  new MutationObserver(note).observe(document.body, {childList: true, subtree: true});
  note();
}"""


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def seats(room: Room, n: int) -> list[str]:
    """Role keys for ``n`` participants, filling the roles in turn."""
    free = [(r.key, s) for r in room.roles for s in range(r.seats)]
    free.sort(key=lambda rs: rs[1])
    return [key for key, _ in free[:n]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--participants", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=4)
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        room = Room(RoomSettings(overrides={"n_residents": args.residents}, weeks=args.weeks), Path(tmp) / "room.json")
        print(f"room on {args.residents} residents built in {time.perf_counter() - started:.1f} s")
        with serving_in_thread(room) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            projector = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            projector.goto(f"{url}/projector?key={room.facilitator_key}")
            pages: list[Page] = []
            started = time.perf_counter()
            for i, role in enumerate(seats(room, args.participants)):
                phone = i % 2 == 0
                page = browser.new_context(viewport={"width": 390, "height": 844} if phone else
                                           {"width": 1280, "height": 800}).new_page()
                page.goto(join_link(url, room))
                page.fill("input[name=name]", f"Deelnemer {i}")
                page.click(".join-button")
                page.locator(f"li[data-role='{role}'] button.take").click()
                page.wait_for_selector(f"section.role[data-role='{role}']")
                page.evaluate(WATCH)
                pages.append(page)
            print(f"{len(pages)} participants joined and took roles in {time.perf_counter() - started:.0f} s")
            worst, medians = [], []
            for number in range(1, args.rounds + 1):
                projector.click(".open-round")
                for page in pages:
                    page.wait_for_selector(f"main[data-phase=open][data-round='{number}']")
                for page in pages:
                    role = page.locator("section.role").get_attribute("data-role")
                    if role.startswith("administrator"):
                        page.check(f"input[name=steering][value={('facilitating', 'framing')[number % 2]}]")
                    elif role.startswith("resident"):
                        page.check("input[name=help][value=ties]")
                    else:
                        continue
                    page.click("button.save")
                    page.wait_for_selector(".save-state.is-saved")
                clicked = time.time() * 1000
                projector.click(".close-round")
                for page in pages:
                    page.wait_for_function(f"() => window.__shown['{number}'] !== undefined", timeout=120_000)
                delays = sorted((page.evaluate(f"() => window.__shown['{number}']") - clicked) / 1000
                                for page in pages)
                worst.append(delays[-1])
                medians.append(statistics.median(delays))
                print(f"round {number}: slowest {delays[-1]:.2f} s, median {medians[-1]:.2f} s, "
                      f"fastest {delays[0]:.2f} s")
            browser.close()
        print(f"over {args.rounds} rounds: slowest participant median {statistics.median(worst):.2f} s, "
              f"worst {max(worst):.2f} s; median participant {statistics.median(medians):.2f} s")
        steps = {"open": room.open_round, "close": lambda: room.close_round(room.round, args.weeks)}
        for name, work in steps.items():
            started = time.perf_counter()
            work()
            print(f"server part, {name}: {1000 * (time.perf_counter() - started):.0f} ms")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
