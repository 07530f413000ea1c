"""One real-browser test: serve the app, sign in, confirm a suggestion, decide a whole excerpt,
export CSV (Chromium)."""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from chromium import CHROMIUM, launch, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=(
        "needs Debian's Chromium: `apt-get install chromium chromium-driver` (.ci/run does this)")),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    from app_fixtures import build_home

    home = build_home(tmp_path / "home")
    port = _free_port()
    env = {**os.environ, "WORKBENCH_APP_EMBEDDER": "fake", "WORKBENCH_RUNS_DIR": str(home / "runs")}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "serve", "--port", str(port), "--home", str(home)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health") as reply:
                if reply.read() == b"ok":
                    break
        except OSError:
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "the app did not start within 60 s"
            time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_sign_in_confirm_and_export(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        sign_in(page, server, "alice")

        # Navigate within the app: a new page load would start a new session (signed out).
        page.get_by_role("link", name="Review queue").click()
        page.get_by_role("button", name="Confirm").first.click()
        page.get_by_text("1 decided").first.wait_for(timeout=30_000)

        # Decide the next excerpt whole: tick one more theme, save, every theme is decided.
        page.get_by_role("checkbox", name=re.compile(r"\(covid\)")).check(force=True)
        page.get_by_role("button", name="Save: ticked confirmed, the rest rejected").click()
        decided = page.get_by_text(re.compile(r"^Excerpt decided: \d+ confirmed"))
        decided.wait_for(timeout=30_000)
        message = decided.inner_text()
        page.screenshot(path=str(tmp_path / "review-page.png"), full_page=True)

        page.get_by_role("link", name="Export").click()
        page.get_by_role("button", name="Prepare download").click()
        download_button = page.get_by_test_id("stDownloadButton").get_by_role("button")
        download_button.wait_for(timeout=60_000)
        with page.expect_download(timeout=60_000) as download_info:
            download_button.click()
        target = tmp_path / "export.csv"
        download_info.value.save_as(target)
        page.screenshot(path=str(tmp_path / "export-page.png"), full_page=True)
        browser.close()
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    whole = re.match(r"Excerpt decided: (\d+) confirmed \(([^)]*)\), 15 rejected|"
                     r"Excerpt decided: (\d+) confirmed \(([^)]*)\)", message)
    assert whole, message
    confirmed = (whole.group(2) or whole.group(4)).split(", ")
    assert "covid" in confirmed
    assert len(rows) == 1 + len(confirmed)
    assert {r["coder"] for r in rows} == {"alice"} and {r["status"] for r in rows} == {"confirmed"}
    assert "covid" in {r["theme_id"] for r in rows}
    assert (tmp_path / "export-page.png").stat().st_size > 10_000
