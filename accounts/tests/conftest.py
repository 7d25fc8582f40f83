import pytest


@pytest.fixture
def sends(django_capture_on_commit_callbacks):
    """Run what a request enqueues once it commits (the emails), as it would outside a test's transaction."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
