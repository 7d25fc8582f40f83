"""A pytest plugin loaded before Django starts (pytest.ini: -p eventhub.testing).

Tests run with DEBUG off, like production, so they need the settings that a
production deployment brings itself.
"""

import os

os.environ.setdefault("SECRET_KEY", "insecure-key-for-the-test-suite-only")
# No collectstatic before tests: serve static files by their plain names.
os.environ.setdefault("STATIC_MANIFEST", "0")
