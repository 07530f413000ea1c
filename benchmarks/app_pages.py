"""Time page switches in the running app, as a person clicking the sidebar would see them.

Usage: start the app (`make run`), then `python benchmarks/app_pages.py [URL]`. Prints, for each
page, the seconds from clicking its link until its title is shown and Streamlit's "running"
indicator has gone (first and second visit).
Needs Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import sys
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PAGES = [("Corpus", "Corpus"), ("Themes", "Themes"), ("Review queue", "Review queue"),
         ("Codebook", "Codebook"), ("Agreement", "Inter-coder agreement"), ("Export", "Export"),
         ("Home", "Safeguarding Themes Workbench")]


def main(url: str = "http://127.0.0.1:8501") -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/sign-in")
        page.get_by_label("Coder name").fill("benchmark")
        page.get_by_role("button", name="Continue").click()
        page.get_by_text("Signed in as").wait_for(timeout=60_000)
        rows = []
        for visit in ("first", "second"):
            for link, title in PAGES:
                started = time.perf_counter()
                page.get_by_role("link", name=link, exact=True).click()
                page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)
                # done when Streamlit's "running" indicator has gone
                page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=120_000)
                rows.append((visit, link, time.perf_counter() - started))
        browser.close()
    print("| visit | page | seconds |\n|---|---|---|")
    for visit, link, seconds in rows:
        print(f"| {visit} | {link} | {seconds:.2f} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
