"""Event pictures on the pages: the card's, the event page's banner and the link previews' og:image."""

import re

import pytest
from django.urls import reverse

from events import images
from events.models import Event
from events.tests.factories import EventFactory, give_picture
from events.tests.test_sitemap import SITE, meta_of

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")


@pytest.fixture
def pictured(organizer, media_root):
    return give_picture(EventFactory(organizer=organizer, title="Jazz night"), alt="A trio on a small stage")


def img_tags(response, css_class: str) -> list[str]:
    return re.findall(rf'<img class="{css_class}"[^>]*>', response.text)


def test_a_card_shows_the_card_picture_lazily_with_its_description_and_size(client, pictured):
    [tag] = img_tags(client.get(LIST), "event-card-picture")

    assert f'src="{pictured.image_card.url}"' in tag
    assert pictured.image_card.url.startswith("/media/events/")  # same origin: the CSP's img-src 'self'
    assert 'alt="A trio on a small stage"' in tag
    assert f'width="{images.CARD.width}" height="{images.CARD.height}"' in tag
    assert 'loading="lazy"' in tag


def test_the_event_page_shows_the_banner_at_once(client, pictured):
    [tag] = img_tags(client.get(pictured.get_absolute_url()), "event-banner")

    assert f'src="{pictured.image_banner.url}"' in tag
    assert 'alt="A trio on a small stage"' in tag
    assert f'width="{images.BANNER.width}" height="{images.BANNER.height}"' in tag
    assert "loading=" not in tag


def test_an_event_without_a_picture_shows_none(client, published_event):
    assert not img_tags(client.get(LIST), "event-card-picture")
    page = client.get(published_event.get_absolute_url())
    assert not img_tags(page, "event-banner")
    assert "og:image" not in meta_of(page)


def test_link_previews_show_the_banner_at_its_full_address(client, pictured, settings):
    settings.SITE_URL = SITE
    meta = meta_of(client.get(pictured.get_absolute_url()))

    assert meta["og:image"] == f"{SITE}{pictured.image_banner.url}"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1600", "600")
    assert meta["og:image:alt"] == "A trio on a small stage"


def test_a_description_cannot_break_out_of_its_attribute(client, organizer, media_root):
    event = give_picture(EventFactory(organizer=organizer), alt='"><script>alert(1)</script>')
    for page in (client.get(LIST), client.get(event.get_absolute_url())):
        assert "<script>alert(1)</script>" not in page.text
    assert meta_of(client.get(event.get_absolute_url()))["og:image:alt"] == '"><script>alert(1)</script>'


def test_the_sites_content_policy_lets_its_own_pictures_show(client, pictured):
    policy = client.get(LIST)["Content-Security-Policy"]
    assert "img-src 'self'" in policy


@pytest.mark.parametrize("url", [LIST, "/api/events/"])
def test_pictures_cost_the_list_no_query(
    client, attendee, organizer, media_root, url, django_assert_max_num_queries
):
    client.force_login(attendee)
    EventFactory.create_batch(4, organizer=organizer)
    with django_assert_max_num_queries(8) as without:
        client.get(url)

    for event in Event.objects.all():
        give_picture(event)
    for event in EventFactory.create_batch(8, organizer=organizer):
        give_picture(event)

    with django_assert_max_num_queries(len(without.captured_queries)):
        response = client.get(url)
    assert response.text.count("/media/events/") >= 12


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pictures_show_in_a_browser_under_the_sites_content_policy(
    live_server, monkeypatch, organizer, media_root
):
    from eventhub.testing import chromium

    event = give_picture(EventFactory(organizer=organizer, title="Harbour jazz evening"))
    with chromium(monkeypatch) as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        refused = []
        page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
        page.goto(f"{live_server.url}{LIST}")
        page.wait_for_load_state("networkidle")
        cards = page.eval_on_selector_all(
            "img.event-card-picture", "images => images.map(i => i.naturalWidth)"
        )
        page.goto(f"{live_server.url}{event.get_absolute_url()}")
        page.wait_for_load_state("networkidle")
        banners = page.eval_on_selector_all("img.event-banner", "images => images.map(i => i.naturalWidth)")
    assert (cards, banners) == ([images.CARD.width], [images.BANNER.width])
    assert refused == []
