"""A real headless browser for the local workspace tests: Debian's chromium, driven by Playwright.

Never `playwright install`: the browser is the system's. Outside CI a missing browser skips the
browser tests; in CI (CI=true) it fails them, so they cannot pass by not running.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MSBOT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots of each story's last screen (gitignored): look at them.
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def require_browser() -> None:
    problem = None
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        problem = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "playwright is not installed (pip install -e '.[dev]')"
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"The browser tests need a browser in CI: {problem}")
        pytest.skip(f"no browser outside CI: {problem}")


def launch():
    """(playwright, browser): one per test session."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    return pw, browser


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# What a person does in the page, shared by the browser stories.
def be(page, name: str) -> None:
    page.get_by_label("Switch person").select_option(label=name)


def open_dm(page) -> None:
    page.get_by_role("navigation").get_by_role("button", name="msbot", exact=True).click()


def send(page, text: str) -> None:
    page.locator("#compose-text").fill(text)
    page.locator("#compose-text").press("Enter")


def dm_bubble(page, text: str):
    return page.locator("#messages article").filter(has_text=text)
