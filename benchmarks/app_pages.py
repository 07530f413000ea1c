"""Time page switches in the running app, as a person clicking the sidebar would see them.

Usage: start the app (`make run`), then `python benchmarks/app_pages.py [URL]`. Prints, for each
page, the seconds from clicking its link until its title is shown and Streamlit's "running"
indicator has gone (first and second visit).
Needs Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from chromium import launch, sign_in  # noqa: E402

PAGES = [("Corpus", "Corpus"), ("Themes", "Themes"), ("Review queue", "Review queue"),
         ("Codebook", "Codebook"), ("Agreement", "Inter-coder agreement"), ("Export", "Export"),
         ("Home", "Safeguarding Themes Workbench")]


def main(url: str = "http://127.0.0.1:8501") -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sign_in(page, url, "benchmark", timeout_ms=60_000)
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
