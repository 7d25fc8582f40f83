"""The browser fixture shared by the Playwright tests: Debian's Chromium, never a downloaded one."""

import pytest

from eventhub.testing import chromium


@pytest.fixture
def page(monkeypatch):
    """A headless Chromium page, 1280 px wide (the organizer console's narrowest supported width)."""
    with chromium(monkeypatch) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        yield page
