from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """People talking about events: friends, posts, comments, likes, shares, messages, reports.

    Sits above accounts, events and bookings and may read all of them; nothing below
    imports it.
    """

    name = "community"
    verbose_name = "Community"
