"""Regenerate docs/screenshots/: serve the app on the mini sample and photograph every page.

Usage: .venv/bin/python docs/take_screenshots.py   (needs Debian's /usr/bin/chromium)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
OUT = ROOT / "docs" / "screenshots"
PAGES = [("Home", "home"), ("Corpus", "corpus"), ("Themes", "themes"), ("Review queue", "review"),
         ("Codebook", "codebook"), ("Agreement", "agreement"), ("Export", "export")]


def prepare(home: Path) -> None:
    """The test home, plus decisions by two coders so every page has something to show."""
    from app_fixtures import build_home

    from workbench.coding.queue import review_queue
    from workbench.coding.review import confirm, reject
    from workbench.config import load_settings
    from workbench.store import open_store

    build_home(home)
    store = open_store(load_settings(home=home))
    for n, item in enumerate(review_queue(store, "alice", order="score")[:12]):
        confirm(store, item.suggestion_id, "alice")
        (confirm if n % 4 else reject)(store, item.suggestion_id, "bob")
    store.close()


def main() -> None:
    from chromium import launch, sign_in
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="workbench-shots-"))
    prepare(home)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "WORKBENCH_APP_EMBEDDER": "fake", "WORKBENCH_RUNS_DIR": str(home / "runs")}
    server = subprocess.Popen([sys.executable, "-m", "workbench", "serve", "--port", str(port),
                               "--home", str(home)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health").read()
                break
            except OSError:
                time.sleep(0.5)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            sign_in(page, url, "alice")
            page.screenshot(path=str(OUT / "sign-in.png"))
            for label, name in PAGES:
                page.get_by_role("link", name=label, exact=True).click()
                page.wait_for_timeout(4000)
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print("\n".join(sorted(p.name for p in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
