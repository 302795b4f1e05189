"""Fixtures for the local workspace's browser stories: one Chromium per test session, a fresh
workspace per test, and a page on it (its last screen saved under test-artifacts/)."""

from __future__ import annotations

import pytest

from handlers.local.server import Local
from tests import browser

TIMEOUT = 10_000


@pytest.fixture(scope="session")
def chromium():
    browser.require_browser()
    pw, instance = browser.launch()
    yield instance
    instance.close()
    pw.stop()


@pytest.fixture
def local(tmp_path):
    running = Local(database_url=f"sqlite:///{tmp_path}/local.db")
    yield running
    running.close()


@pytest.fixture
def page(chromium, local, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT)
    tab = context.new_page()
    tab.goto(local.url)
    yield tab
    browser.screenshot(tab, request.node.name)
    context.close()
