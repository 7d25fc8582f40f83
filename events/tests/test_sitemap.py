"""sitemap.xml lists what search engines may show; event pages describe themselves to link previews."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import OrganizerFactory, UserFactory
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

SITE = "https://events.example.com"
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def listed(client) -> set[str]:
    response = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    return {loc.text for loc in ElementTree.fromstring(response.content).iterfind("sm:url/sm:loc", NS)}


def test_lists_the_lists_published_events_past_or_not_and_organizers_with_events(client, organizer):
    upcoming = EventFactory(organizer=organizer)
    past = EventFactory(organizer=organizer, starts_at=timezone.now() - timedelta(days=30))
    draft = EventFactory(organizer=organizer, status="draft")
    cancelled = EventFactory(organizer=organizer, status="cancelled")
    idle = OrganizerFactory()  # a page, but nothing on it yet
    only_drafts = EventFactory(status="draft").organizer
    UserFactory(username="attendee")
    urls = listed(client)
    assert urls == {
        f"{SITE}/",
        f"{SITE}{reverse('events:calendar_month')}",
        f"{SITE}{upcoming.get_absolute_url()}",
        f"{SITE}{past.get_absolute_url()}",
        f"{SITE}{reverse('events:organizer', args=[organizer.username])}",
    }
    for hidden in (draft, cancelled):
        assert f"{SITE}{hidden.get_absolute_url()}" not in urls
    for nobody in (idle, only_drafts):
        assert f"{SITE}{reverse('events:organizer', args=[nobody.username])}" not in urls


def test_events_carry_when_they_last_changed(client, published_event):
    page = client.get("/sitemap.xml").text
    assert f"<lastmod>{published_event.updated_at.date().isoformat()}</lastmod>" in page


def test_query_count_does_not_grow_with_events(client, django_assert_max_num_queries):
    EventFactory.create_batch(3)
    with django_assert_max_num_queries(6) as few:
        listed(client)
    EventFactory.create_batch(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(client)) == 2 + 33 + 33


# Link previews (Open Graph, Twitter) -------------------------------------------------------


def meta_of(response) -> dict[str, str]:
    """The page's <meta property|name=... content=...> tags, their content unescaped as a browser reads it."""
    tags = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', response.text)
    return {key: ElementTree.fromstring(f"<v>{value}</v>").text or "" for key, value in tags}


def test_an_event_page_describes_itself_for_link_previews(client, organizer):
    event = EventFactory(organizer=organizer, title="Jazz night", description="Live music.\n" + "x" * 400)
    meta = meta_of(client.get(event.get_absolute_url()))
    url = f"{SITE}{event.get_absolute_url()}"
    assert meta["og:type"] == "website"
    assert meta["og:title"] == meta["twitter:title"] == "Jazz night"
    assert meta["og:url"] == url
    assert meta["og:description"].startswith("Live music.")
    assert len(meta["og:description"]) == 200
    assert meta["og:description"] == meta["twitter:description"] == meta["description"]
    assert meta["twitter:card"] == "summary"
    assert "og:image" not in meta
    assert f'<link rel="canonical" href="{url}">' in client.get(event.get_absolute_url()).text


def test_a_title_cannot_break_out_of_its_meta_tag(client, organizer):
    title = '"><script>alert(1)</script><meta x="'
    event = EventFactory(organizer=organizer, title=title, description="A & B <b>bold</b>")
    response = client.get(event.get_absolute_url())
    assert "<script>alert(1)</script>" not in response.text
    meta = meta_of(response)
    assert meta["og:title"] == title
    assert meta["og:description"] == "A & B <b>bold</b>"


def test_other_pages_carry_no_event_previews(client):
    assert "og:title" not in client.get(reverse("events:list")).text
