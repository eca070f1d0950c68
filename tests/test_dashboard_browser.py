"""The workshop dashboard in a real browser, offline.

Starts ``solara run dashboard.py`` on a free localhost port, opens it in headless Chromium
(Debian's ``/usr/bin/chromium`` driven by Playwright) with every request that does not go to
localhost blocked, and plays a short session: step, play and switch the steering mode while it
runs, close the meeting places, switch language, read the info tab, export the data, choose
another scenario. Screenshots are saved in
``tests/artifacts/`` (``dashboard_nl.png`` mid-session, ``dashboard_en.png`` at the end).

Without Chromium the test is skipped, unless ``VITALITY_REQUIRE_BROWSER`` is set (CI sets it),
in which case it fails: ``make test`` installs Chromium when it runs as root.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib.image import imread
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright's own browser download needs the internet
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL = ("http://127.0.0.1:", "ws://127.0.0.1:")
TIMEOUT_MS = 60_000  # generous: CI shares two cores
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Run the dashboard on a free localhost port; yield its address."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found; install it with: apt-get install --no-install-recommends chromium"
        if os.environ.get("VITALITY_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (ARTIFACTS / "solara.log")
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "solara", "run", "dashboard.py", "--host", "127.0.0.1",
                                 "--port", str(port), "--production"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 120
            while True:
                assert proc.poll() is None, f"the dashboard server stopped:\n{log.read_text()}"
                assert time.monotonic() < deadline, f"the dashboard server did not answer:\n{log.read_text()}"
                try:
                    with urllib.request.urlopen(url, timeout=5) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def purple_pixels(page: Page, selector: str) -> int:
    """Count purple pixels (the decision markers' hue, #6a1b9a, however scaled) in a chart as the browser shows it."""
    shot = imread(io.BytesIO(page.locator(selector).screenshot()))
    r, g, b = shot[:, :, 0], shot[:, :, 1], shot[:, :, 2]
    return int(((b - g > 0.2) & (r - g > 0.1)).sum())


def week(page: Page) -> int:
    return int(page.locator(".monitor-week .monitor-value").inner_text())


def wait_for_new_chart(page: Page, old_src: str) -> str:
    chart = page.locator("img.chart-timeseries")
    expect(chart).not_to_have_attribute("src", old_src, timeout=TIMEOUT_MS)
    return chart.get_attribute("src")


def test_workshop_session_offline(server: str) -> None:
    blocked: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)

            def only_localhost(route: object) -> None:
                url = route.request.url
                if url.startswith(LOCAL):
                    route.continue_()
                else:
                    blocked.append(url)
                    route.abort()

            page.route("**/*", only_localhost)
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server)

            # The page renders with no internet: monitors, charts, controls.
            expect(page.locator(".monitor-week .monitor-value")).to_have_text("0")
            for kind in ("network", "timeseries", "hours"):
                expect(page.locator(f"img.chart-{kind}")).to_be_visible()
            expect(page.locator(".monitor-lonely_share")).to_contain_text("Eenzaam")  # Dutch by default
            expect(page.locator(".app-title")).to_have_text("Vitale gemeenschap - werksessie")
            src = page.locator("img.chart-timeseries").get_attribute("src")

            # Step: the week monitor and the charts move on.
            page.locator(".run-step").click()
            expect(page.locator(".monitor-week .monitor-value")).not_to_have_text("0")
            src = wait_for_new_chart(page, src)
            assert purple_pixels(page, "img.chart-timeseries") == 0  # no decision yet
            assert page.locator(".monitor-delta").count() == 0

            # Play, and switch the steering mode while it runs: it acts now and starts the baseline.
            stepped = week(page)
            page.locator(".run-play").click()
            expect(page.locator(".monitor-week .monitor-value")).not_to_have_text(str(stepped))
            page.locator(".steer-enforcing").click()
            expect(page.locator(".decision-log")).to_contain_text(re.compile(r"week \d+: sturing: Dwingend"))
            expect(page.locator(".monitor-week .monitor-mode")).to_contain_text("Dwingend")
            expect(page.locator(".baseline-note")).to_contain_text("basislijn vanaf week")
            expect(page.locator(".monitor-delta").first).to_be_visible()
            decided = week(page)
            expect(page.locator(".monitor-week .monitor-value")).not_to_have_text(str(decided))  # plays on
            page.locator(".run-play").click()
            expect(page.locator(".run-play")).to_contain_text("Speel")
            expect(page.locator(".run-step")).to_be_enabled()
            wait_for_new_chart(page, src)
            assert purple_pixels(page, "img.chart-timeseries") > 50  # the decision marker is drawn

            # Close the meeting places now: the monitor drops to 0 after the next step.
            page.locator(".act-close_meeting_places").click()
            expect(page.locator(".decision-log")).to_contain_text("sluit 100% van de plekken")
            page.locator(".run-step").click()
            expect(page.locator(".monitor-meeting_places_open .monitor-value")).to_have_text("0")
            expect(page.locator(".monitor-meeting_places_open .monitor-delta")).to_contain_text("-")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / "dashboard_nl.png")

            # Switch to English: labels, decisions, charts and the info tab follow.
            src = page.locator("img.chart-timeseries").get_attribute("src")
            page.locator(".language-toggle").get_by_role("button", name="EN", exact=True).click()
            expect(page.locator(".monitor-lonely_share")).to_contain_text("Loneliness")
            expect(page.locator(".app-title")).to_have_text("Community vitality - workshop")
            expect(page.locator(".decision-log")).to_contain_text("steering: Enforcing")
            expect(page.locator(".scenario-description")).to_contain_text("Reference city")
            wait_for_new_chart(page, src)
            page.screenshot(path=ARTIFACTS / "dashboard_en.png")
            page.get_by_role("tab", name="About the model").click()
            expect(page.get_by_text("One week, step by step")).to_be_visible()
            expect(page.get_by_text("Purpose.", exact=False).first).to_be_visible()
            page.wait_for_timeout(1000)  # let the tab's slide finish before the picture
            page.screenshot(path=ARTIFACTS / "dashboard_info_en.png")

            # Export the session's data, then start another scenario from the chooser.
            with page.expect_download() as download:
                page.get_by_role("button", name="Data (CSV)").click()
            assert download.value.suggested_filename.startswith("vitality_baseline_seed1_week")
            header = Path(download.value.path()).read_text(encoding="utf-8").splitlines()[0]
            assert header.startswith("scenario,seed,branch,week,year,decision,")
            page.locator(".scenario-select").click()
            page.get_by_role("option", name=re.compile(r"^enforcing - ")).click()
            expect(page.locator(".monitor-week .monitor-value")).to_have_text("0")
            expect(page.locator(".monitor-week .monitor-mode")).to_contain_text("Enforcing")
            expect(page.locator(".decision-log")).to_have_count(0)
            expect(page.locator(".scenario-description")).to_contain_text("casework first")
        finally:
            browser.close()
    assert blocked == [], f"the page asked for the internet: {blocked}"
    assert failed == [], f"requests failed: {failed}"
    assert errors == [], f"errors in the page: {errors}"
