"""The Celery app: emails and periodic jobs run on a worker when CELERY_BROKER_URL names a broker.

Without a broker (the embedded default) every task runs eagerly, in the process that
enqueued it, once its transaction has committed; see ``eventhub.tasks.enqueue``.
Tasks live in each app's ``tasks.py`` and stay thin: they call services.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eventhub.settings")

app = Celery("eventhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
