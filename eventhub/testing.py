"""A pytest plugin loaded before Django starts (pytest.ini: -p eventhub.testing).

Tests run with DEBUG off, like production, so they need the one setting that
production must bring itself.
"""

import os

os.environ.setdefault("SECRET_KEY", "insecure-key-for-the-test-suite-only")
