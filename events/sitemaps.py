"""sitemap.xml: the pages search engines may list (published events, organizers' pages, the lists)."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef
from django.urls import reverse

from events.discovery import public_organizers
from events.models import Event


class SiteUrlSitemap(Sitemap):
    """Addresses on SITE_URL, the site as people reach it, whichever host name the request came to."""

    def get_protocol(self, protocol=None):
        return settings.SITE_URL.split("://", 1)[0]

    def get_domain(self, site=None):
        return settings.SITE_URL.split("://", 1)[1]


class PageSitemap(SiteUrlSitemap):
    def items(self):
        return ["events:list", "events:calendar_month"]

    def location(self, name):
        return reverse(name)


class EventSitemap(SiteUrlSitemap):
    """Published events, past ones too: their pages stay up. Cancelled events are left out."""

    def items(self):
        return Event.objects.published().only("pk", "title", "updated_at").order_by("pk")

    def lastmod(self, event):
        return event.updated_at


class OrganizerSitemap(SiteUrlSitemap):
    """Organizers' pages with something on them: at least one published event."""

    def items(self):
        published = Event.objects.published().filter(organizer=OuterRef("pk"))
        return public_organizers().filter(Exists(published)).only("pk", "username").order_by("pk")

    def location(self, organizer):
        return reverse("events:organizer", args=[organizer.username])


SITEMAPS = {"pages": PageSitemap, "events": EventSitemap, "organizers": OrganizerSitemap}
