"""System checks for a production deployment (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, Tags.caches, deploy=True)
def check_cache_is_shared(app_configs, **kwargs):
    """eventhub.W001: sign-in lockouts and API throttles count in the cache, so it must be shared."""
    if settings.DEBUG or settings.CACHES["default"]["BACKEND"] not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Warning(
            "The default cache is local to each process: every app process keeps its own sign-in "
            "lockout and API throttle counts (the dummy cache keeps none), so the limits multiply "
            "by the number of processes.",
            hint="Set CACHE_URL to a cache the processes share, e.g. redis://127.0.0.1:6379/1.",
            id="eventhub.W001",
        )
    ]


@register(Tags.security, deploy=True)
def check_no_test_card_in_production(app_configs, **kwargs):
    """eventhub.W002: the simulated card pays for real tickets with made-up numbers."""
    if settings.DEBUG or "test_card" not in settings.PAYMENT_PROVIDERS:
        return []
    return [
        Warning(
            "The simulated test card is offered: anyone can pay for a ticket with 4242 4242 4242 4242.",
            hint="Unset TEST_CARD_ENABLED and leave test_card out of PAYMENT_PROVIDERS in production.",
            id="eventhub.W002",
        )
    ]


@register(Tags.compatibility, deploy=True)
def check_background_work_has_a_broker(app_configs, **kwargs):
    """eventhub.W003: without a broker, every email is sent inside the request that caused it."""
    if settings.DEBUG or not settings.CELERY_TASK_ALWAYS_EAGER:
        return []
    return [
        Warning(
            "No Celery broker is set: emails and other background work run inside the web requests "
            "that cause them, and the periodic jobs (reminders, releasing unpaid holds) do not run.",
            hint="Set CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0, and run a worker and one beat "
            "(see the README's production section).",
            id="eventhub.W003",
        )
    ]
