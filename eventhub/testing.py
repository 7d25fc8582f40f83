"""A pytest plugin loaded before Django starts (pytest.ini: -p eventhub.testing).

Tests run with DEBUG off, like production, so they need the settings that a
production deployment brings itself.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "insecure-key-for-the-test-suite-only")
# No collectstatic before tests: serve static files by their plain names.
os.environ.setdefault("STATIC_MANIFEST", "0")
# The simulated card provider, so checkout runs end to end offline.
os.environ.setdefault("TEST_CARD_ENABLED", "1")
# Uploaded files (event pictures) land in a folder of this run's own, never in the project's media/
# (tests that look at the files take a folder each from the media_root fixture).
MEDIA_ROOT = os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="eventhub-test-media-")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_unless_ci(needs: str) -> None:
    """A test whose service is missing skips on a developer's machine; CI must run it, so there it fails."""
    if IN_CI:
        pytest.fail(f"CI must run this test, which needs {needs}.")
    pytest.skip(f"needs {needs}")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync")


@contextmanager
def chromium(monkeypatch, *args: str):
    """A headless Chromium browser for Playwright tests: Debian's, never a downloaded one.

    ``args`` add to the usual flags (a fake camera, say). On leaving, the database
    connections the test opened while Playwright's loop ran (they live in that
    loop's context) are closed, or the test database could not be dropped.
    """
    if not shutil.which(CHROMIUM):
        skip_unless_ci(f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *args]
        )
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


def pytest_configure(config):
    """Without DATABASE_REPLICA_URL, a "replica" alias that mirrors the test database, so the read
    replica's routing is tested everywhere, SQLite included (no router is registered: nothing else
    reads it). With one, the settings' own replica alias mirrors the test database on the replica."""
    from django.conf import settings

    databases = settings.DATABASES
    if "replica" not in databases:
        databases["replica"] = {**databases["default"], "TEST": {**databases["default"].get("TEST", {})}}
        databases["replica"]["TEST"]["MIRROR"] = "default"


def pytest_unconfigure(config):
    """Remove this run's SQLite test database with its WAL side files, which Django leaves behind, and
    this run's uploaded files."""
    from django.conf import settings

    shutil.rmtree(MEDIA_ROOT, ignore_errors=True)
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        name = Path(database["TEST"]["NAME"])
        for leftover in name.parent.glob(f"{name.name}*"):
            leftover.unlink(missing_ok=True)


@pytest.fixture
def pages_rendered_every_time(monkeypatch):
    """Every page rendered from the database, for tests whose point is what reaches the database: the
    anonymous page cache (events.browse_cache) would otherwise answer a second look without it."""
    from events import browse_cache

    monkeypatch.setattr(browse_cache, "served", lambda request, render, **options: render())
