"""PUT and DELETE /api/events/{id}/image/, and the picture every event shows."""

import logging

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from events.tests.factories import EventFactory, give_picture, picture_bytes, picture_upload

pytestmark = pytest.mark.django_db


def image_url(event):
    return f"/api/events/{event.pk}/image/"


@pytest.fixture
def as_organizer(api_client, organizer, media_root):
    api_client.force_authenticate(organizer)
    return api_client


def put_picture(client, event, *, alt="A trio on a small stage", **upload):
    return client.put(image_url(event), {"image": picture_upload(**upload), "alt": alt}, format="multipart")


def errors_logged(caplog):
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def test_the_organizer_puts_a_picture_and_gets_its_full_addresses(as_organizer, published_event):
    response = put_picture(as_organizer, published_event)

    assert response.status_code == 200, response.content
    published_event.refresh_from_db()
    assert response.json() == {
        "card": f"http://testserver{published_event.image_card.url}",
        "banner": f"http://testserver{published_event.image_banner.url}",
        "alt": "A trio on a small stage",
    }


def test_an_event_shows_its_picture_or_null(api_client, published_event, media_root):
    assert api_client.get(f"/api/events/{published_event.pk}/").json()["image"] is None

    give_picture(published_event, alt="The stage")
    shown = api_client.get(f"/api/events/{published_event.pk}/").json()["image"]
    listed = api_client.get("/api/events/").json()["results"][0]["image"]

    assert shown == listed
    assert shown["card"].startswith("http://testserver/media/events/") and shown["card"].endswith("-card.jpg")
    assert shown["banner"].endswith("-banner.jpg") and shown["alt"] == "The stage"
    assert api_client.get(shown["card"]).status_code == 200


def test_delete_removes_the_picture(as_organizer, published_event):
    give_picture(published_event)

    assert as_organizer.delete(image_url(published_event)).status_code == 204
    assert as_organizer.get(f"/api/events/{published_event.pk}/").json()["image"] is None
    assert as_organizer.delete(image_url(published_event)).status_code == 204  # nothing left: the same answer


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("attendee", 403), ("other_organizer", 403), ("staff", 200)],
)
def test_who_may_put_and_delete_the_picture(request, api_client, published_event, media_root, who, status):
    if who != "anonymous":
        api_client.force_authenticate(request.getfixturevalue(who))

    assert put_picture(api_client, published_event).status_code == status
    assert api_client.delete(image_url(published_event)).status_code == (204 if status == 200 else status)


def test_someone_elses_draft_is_not_found(api_client, other_organizer, organizer, media_root):
    draft = EventFactory(organizer=other_organizer, status="draft")
    api_client.force_authenticate(organizer)
    assert put_picture(api_client, draft).status_code == 404
    assert api_client.delete(image_url(draft)).status_code == 404


def test_a_file_that_is_no_picture_is_a_field_error_with_its_code(as_organizer, published_event):
    response = put_picture(
        as_organizer,
        published_event,
        content=b"<svg onload='alert(1)'/>",
        name="x.svg",
        content_type="image/svg+xml",
    )

    assert response.status_code == 400
    assert response.json() == {
        "image": ["SVG drawings are not accepted: upload the picture as a JPEG, PNG or WebP."]
    }
    assert response.data["image"][0].code == "invalid_image"


def test_a_picture_without_a_description_is_refused_on_alt(as_organizer, published_event):
    response = put_picture(as_organizer, published_event, alt="")

    assert response.status_code == 400
    assert response.json() == {"alt": ["Say in a few words what the picture shows."]}
    published_event.refresh_from_db()
    assert not published_event.image_card


def test_a_put_without_a_file_is_a_field_error(as_organizer, published_event):
    response = as_organizer.put(image_url(published_event), {"alt": "Nothing"}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()) == {"image"}

    response = as_organizer.put(
        image_url(published_event), {"image": "not a file", "alt": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"image"}


def test_an_upload_up_to_the_limit_is_taken_and_a_larger_one_is_413(
    published_event, organizer, media_root, settings, caplog
):
    content = picture_bytes()
    settings.EVENT_IMAGE_MAX_BYTES = len(content)
    client = Client(raise_request_exception=False)
    client.force_login(organizer)

    taken = client.put(
        image_url(published_event),
        encode_multipart(BOUNDARY, {"image": picture_upload(content), "alt": "Fits"}),
        content_type=MULTIPART_CONTENT,
    )
    too_large = client.put(
        image_url(published_event),
        encode_multipart(BOUNDARY, {"image": picture_upload(content + b"\0"), "alt": "One byte more"}),
        content_type=MULTIPART_CONTENT,
    )

    assert taken.status_code == 200, taken.content
    assert too_large.status_code == 413
    assert too_large.json() == {
        "detail": "The request is larger than this site accepts.",
        "code": "request_too_large",
    }
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\nno boundary given\r\n"),
        (
            "multipart/form-data; boundary=edge",
            b"--edge\r\nContent-Disposition: form-data; name=image; filename=a.jpg",
        ),
        ("multipart/form-data; boundary=edge", b"--edge\r\n\r\n\r\n--edge--"),
        ("multipart/form-data; boundary=edge", b"\xff\xfe garbage with no parts at all"),
        ("multipart/form-data; boundary=" + "b" * 80, b"--" + b"b" * 80 + b"--\r\n"),
        (
            "multipart/form-data; boundary=edge",
            b'--edge\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff truncated mid-file",
        ),
    ],
)
def test_a_malformed_multipart_body_is_a_4xx_never_a_500(
    organizer, published_event, media_root, caplog, content_type, body
):
    client = Client(raise_request_exception=False)
    client.force_login(organizer)

    response = client.generic("PUT", image_url(published_event), body, content_type=content_type)

    assert 400 <= response.status_code < 500, response.content
    assert set(response.json()) <= {"detail", "code", "image", "alt"}
    assert errors_logged(caplog) == []
