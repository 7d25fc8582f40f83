from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """People talking about events: friends, posts, comments, likes, shares, messages, reports.

    Sits above accounts, events and bookings and may read all of them; nothing below
    imports it.
    """

    name = "community"
    verbose_name = "Community"

    def ready(self):
        # The apps below announce changes; the community's rules that follow them live here.
        from accounts.signals import account_deleting
        from community import navigation  # noqa: F401  (its counts follow messages and friendships)
        from community.posts import forget_account

        account_deleting.connect(forget_account, dispatch_uid="community.forget_account")
