"""A pytest plugin loaded before Django starts (pytest.ini: -p eventhub.testing).

Tests run with DEBUG off, like production, so they need the settings that a
production deployment brings itself.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "insecure-key-for-the-test-suite-only")
# No collectstatic before tests: serve static files by their plain names.
os.environ.setdefault("STATIC_MANIFEST", "0")
# The simulated card provider, so checkout runs end to end offline.
os.environ.setdefault("TEST_CARD_ENABLED", "1")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_unless_ci(needs: str) -> None:
    """A test whose service is missing skips on a developer's machine; CI must run it, so there it fails."""
    if IN_CI:
        pytest.fail(f"CI must run this test, which needs {needs}.")
    pytest.skip(f"needs {needs}")


def pytest_unconfigure(config):
    """Remove this run's SQLite test database with its WAL side files, which Django leaves behind."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        name = Path(database["TEST"]["NAME"])
        for leftover in name.parent.glob(f"{name.name}*"):
            leftover.unlink(missing_ok=True)
