"""The admin's "view on site" redirect answers only for what the signed-in user may see in the admin."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from events.models import Event
from events.tests.factories import EventFactory


def view_on_site(obj, object_id=None):
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, object_id or obj.pk])


@pytest.fixture
def secret_draft(other_organizer):
    return EventFactory(organizer=other_organizer, status=Event.Status.DRAFT, title="Secret merger party")


def test_another_organizers_draft_is_not_found_and_its_title_not_told(client, organizer, secret_draft):
    client.force_login(organizer)
    response = client.get(view_on_site(secret_draft))
    assert response.status_code == 404
    assert "secret-merger-party" not in response.get("Location", "")
    assert "secret-merger-party" not in response.content.decode()


def test_another_organizers_published_event_is_not_found_either(client, organizer, other_organizer):
    client.force_login(organizer)
    assert client.get(view_on_site(EventFactory(organizer=other_organizer))).status_code == 404


def test_an_organizer_views_their_own_event_on_the_site(client, organizer, draft_event):
    client.force_login(organizer)
    response = client.get(view_on_site(draft_event))
    assert response.status_code == 302
    assert response["Location"].endswith(draft_event.get_absolute_url())


def test_staff_view_any_event_on_the_site(client, staff, secret_draft):
    client.force_login(staff)
    response = client.get(view_on_site(secret_draft))
    assert response.status_code == 302
    assert response["Location"].endswith(secret_draft.get_absolute_url())


def test_models_an_organizer_cannot_see_in_the_admin_are_not_found(client, organizer, other_organizer):
    client.force_login(organizer)
    assert client.get(view_on_site(other_organizer)).status_code == 404


@pytest.mark.parametrize("object_id", ["999999", "abc", "99999999999999999999999"])
def test_an_unknown_or_malformed_id_is_not_found(client, staff, published_event, object_id):
    client.force_login(staff)
    assert client.get(view_on_site(published_event, object_id)).status_code == 404


@pytest.mark.parametrize("content_type_id", ["999999", "99999999999999999999999"])
def test_an_unknown_kind_of_object_is_not_found(client, staff, content_type_id):
    client.force_login(staff)
    assert client.get(f"/admin/r/{content_type_id}/1/").status_code == 404


def test_someone_signed_out_is_sent_to_sign_in_without_the_title(client, secret_draft):
    response = client.get(view_on_site(secret_draft))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "secret-merger-party" not in response["Location"]
