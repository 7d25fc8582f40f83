"""The organizer console's site: Django's admin site with the console's names, building its list of
apps once per request (and a user's about once a second) and reading only what "Recent actions" shows."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.functional import Promise


class ConsoleSite(admin.AdminSite):
    site_header = "eventhub admin"
    site_title = "eventhub"
    index_title = "Run your events"
    empty_value_display = "—"

    def _build_app_dict(self, request, label=None):
        """Built once per request, and kept per user for under a second (``kept_fresh``): Django's
        admin builds it for the page (the home page lists every app) and again for the context every
        page shares (the sidebar), each time asking every model admin about the user's permissions.
        It only shows the way: every page still checks the user's permissions when it is opened."""
        from events.browse_cache import kept_fresh  # reads models: not before the apps are loaded

        built = request.__dict__.setdefault("_console_app_dicts", {})
        if label not in built:
            key = f"console-apps:{request.user.pk}:{label or ''}"
            built[label] = kept_fresh(
                key, lambda: _read(super(ConsoleSite, self)._build_app_dict(request, label))
            )
        return built[label]

    def get_log_entries(self, request):
        """The home page's "Recent actions": only the columns it shows, without the user each entry
        names (always the one signed in), whose every column Django's admin would read."""
        from django.contrib.admin.models import LogEntry  # a model: not before the apps are loaded

        return LogEntry.objects.select_related("content_type").only(
            "action_flag", "object_id", "object_repr", "content_type__app_label", "content_type__model"
        )


def _read(value):
    """``value`` with every lazy name in it read into a plain string, so it can be kept in the cache."""
    if isinstance(value, dict):
        return {key: _read(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_read(item) for item in value]
    return str(value) if isinstance(value, Promise) else value


class ConsoleAdminConfig(AdminConfig):
    default_site = "eventhub.admin_site.ConsoleSite"
