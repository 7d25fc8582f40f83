"""/media/: the event pictures, kept by browsers for good; nothing else under MEDIA_ROOT is served."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(media_root):
    """A picture where the site keeps them, and a file beside that folder that must stay private."""
    (media_root / "events").mkdir(parents=True)
    (media_root / "events" / "7-abc-card.jpg").write_bytes(b"\xff\xd8\xff\xe0 a JPEG's first bytes")
    (media_root / "private.txt").write_text("not for anyone")
    return media_root


def test_a_picture_is_served_with_a_years_immutable_cache_and_no_sniffing(client, files, settings):
    assert not settings.DEBUG
    response = client.get("/media/events/7-abc-card.jpg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_head_is_answered_too(client, files):
    assert client.head("/media/events/7-abc-card.jpg").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/private.txt",
        "/media/events/../private.txt",
        "/media/events/%2e%2e/private.txt",
        "/media/events/",
        "/media/events",
        "/media/events/missing.jpg",
        "/media//etc/passwd",
        "/media/events/..%2f..%2fsettings.py",
    ],
)
def test_nothing_outside_the_pictures_folder_is_served(path, files):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 404
    assert b"not for anyone" not in response.content


def test_writing_to_media_is_not_allowed(client, files):
    assert client.post("/media/events/7-abc-card.jpg").status_code == 405
