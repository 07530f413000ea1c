"""Headless Debian Chromium driven by Playwright: one place for its flags and for signing in.

Used by the browser test, docs/take_screenshots.py and benchmarks/app_pages.py. Never run
`playwright install`: the browser comes from Debian's `chromium` package.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def launch(playwright):
    """A headless Chromium browser."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)


def sign_in(page, url: str, coder: str, timeout_ms: int = 30_000) -> None:
    """Sign in on 127.0.0.1 with a coder name and wait until the app says so."""
    page.goto(f"{url}/sign-in")
    page.get_by_label("Coder name").fill(coder)
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Signed in as").wait_for(timeout=timeout_ms)
