"""The event page of the admin: its Picture section, saved through the picture services."""

import logging
import re

import pytest
from django.test import Client

from events.models import Event
from events.tests.factories import EventFactory, give_picture, picture_bytes, picture_upload
from events.tests.test_admin import ADD, change_data, change_url, form_data
from events.tests.test_images import SVG_WITH_SCRIPT

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_client(client, organizer, media_root):
    client.force_login(organizer)
    return client


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, title="Jazz night")


def field_errors(response, name: str) -> list[str]:
    return list(response.context["adminform"].form.errors.get(name, []))


def saved(response) -> bool:
    return response.status_code == 302


def test_the_change_page_has_a_picture_section_with_the_current_card(organizer_client, event):
    page = organizer_client.get(change_url(event)).text
    assert ">Picture</h2>" in page and "None yet." in page
    assert 'name="image"' in page and 'accept="image/jpeg,image/png,image/webp"' in page
    assert 'name="remove_image"' in page and 'name="image_alt"' in page
    assert 'enctype="multipart/form-data"' in page

    give_picture(event, alt="A trio on a small stage")
    event.refresh_from_db()
    page = organizer_client.get(change_url(event)).text
    assert (
        f'<img src="{event.image_card.url}" alt="A trio on a small stage" width="320" height="180">' in page
    )


def test_uploading_a_picture_saves_it_with_its_description(organizer_client, event):
    response = organizer_client.post(
        change_url(event), change_data(event, image=picture_upload(), image_alt="The stage at dusk")
    )

    assert saved(response), response.context["adminform"].form.errors if response.context else response
    event.refresh_from_db()
    assert event.image_card.name.endswith("-card.jpg") and event.image_alt == "The stage at dusk"


def test_a_new_event_may_come_with_its_picture(organizer_client):
    response = organizer_client.post(ADD, form_data(image=picture_upload(), image_alt="The poster"))

    assert saved(response)
    event = Event.objects.get(title="Jazz night")
    assert event.image_banner and event.image_alt == "The poster"


def test_a_file_that_is_no_picture_is_refused_beside_the_field_and_nothing_is_saved(organizer_client, event):
    upload = picture_upload(SVG_WITH_SCRIPT, name="poster.svg", content_type="image/svg+xml")
    response = organizer_client.post(
        change_url(event), change_data(event, title="Renamed", image=upload, image_alt="Poster")
    )

    assert response.status_code == 200
    assert field_errors(response, "image") == [
        "SVG drawings are not accepted: upload the picture as a JPEG, PNG or WebP."
    ]
    event.refresh_from_db()
    assert (event.title, event.image_card.name) == ("Jazz night", "")


def test_a_picture_without_its_description_is_refused_beside_the_description(organizer_client, event):
    response = organizer_client.post(
        change_url(event), change_data(event, title="Renamed", image=picture_upload())
    )

    assert response.status_code == 200
    assert field_errors(response, "image_alt") == ["Say in a few words what the picture shows."]
    event.refresh_from_db()
    assert (event.title, event.image_card.name) == ("Jazz night", "")  # the whole page was rolled back


def test_clearing_the_description_of_a_picture_is_refused(organizer_client, event):
    event = give_picture(event)
    response = organizer_client.post(change_url(event), change_data(event, image_alt=""))
    assert field_errors(response, "image_alt") == ["Say in a few words what the picture shows."]


def test_the_description_alone_may_change(organizer_client, event):
    event = give_picture(event)
    response = organizer_client.post(change_url(event), change_data(event, image_alt="Now with a crowd"))

    assert saved(response)
    card = event.image_card.name
    event.refresh_from_db()
    assert (event.image_card.name, event.image_alt) == (card, "Now with a crowd")


def test_remove_the_picture_takes_it_away_whatever_the_description(organizer_client, event):
    event = give_picture(event)
    response = organizer_client.post(change_url(event), change_data(event, remove_image="on", image_alt=""))

    assert saved(response)
    event.refresh_from_db()
    assert (event.image_card.name, event.image_alt) == ("", "")


def test_a_new_picture_and_remove_together_are_refused(organizer_client, event):
    event = give_picture(event)
    response = organizer_client.post(
        change_url(event),
        change_data(event, image=picture_upload(), remove_image="on", image_alt=event.image_alt),
    )
    assert field_errors(response, "remove_image") == ["Choose a new picture or remove this one, not both."]


def test_an_upload_up_to_the_limit_is_taken_and_a_larger_one_is_a_413_page(
    organizer, event, media_root, settings, caplog
):
    content = picture_bytes()
    settings.EVENT_IMAGE_MAX_BYTES = len(content)
    client = Client(raise_request_exception=False)
    client.force_login(organizer)

    def post(upload):
        return client.post(change_url(event), change_data(event, image=upload, image_alt="Fits"))

    assert saved(post(picture_upload(content)))
    too_large = post(picture_upload(content + b"\0"))
    assert too_large.status_code == 413
    assert "larger than this site accepts" in too_large.text
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_another_organizers_event_cannot_be_given_a_picture(organizer_client, other_organizer):
    rival = EventFactory(organizer=other_organizer)
    response = organizer_client.post(
        change_url(rival), change_data(rival, image=picture_upload(), image_alt="x")
    )
    assert response.status_code == 404
    rival.refresh_from_db()
    assert not rival.image_card


def test_the_preview_describes_itself_safely(organizer_client, event):
    event = give_picture(event, alt='"><script>alert(1)</script>')
    page = organizer_client.get(change_url(event)).text
    assert not re.search(r"<script>alert\(1\)</script>", page)
