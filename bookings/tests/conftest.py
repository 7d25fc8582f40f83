"""The browser fixture shared by the Playwright tests: Debian's Chromium, never a downloaded one."""

import shutil

import pytest
from django.db import connections

from eventhub.testing import skip_unless_ci

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page(monkeypatch):
    """A headless Chromium page, 1280 px wide (the organizer console's narrowest supported width)."""
    if not shutil.which(CHROMIUM):
        skip_unless_ci(f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own
    # ORM calls are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # Connections the test opened while Playwright's loop ran live in that
        # loop's context: close them here, or the test database cannot be dropped.
        connections.close_all()
