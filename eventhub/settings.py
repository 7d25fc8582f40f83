"""Settings for eventhub, driven by the environment (twelve-factor).

Every knob is an environment variable with a safe default; the README's
configuration table and .env.example list them all. A .env file beside
manage.py is read when present; real environment variables win over it.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
import jinja2
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# A development key only when DEBUG is on: production must bring its own.
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "eventhub.admin_site.ConsoleAdminConfig",  # django.contrib.admin with the console's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "events",
    "bookings",
    "payments",
    "notifications",
    "community",
    "eventhub.apps.EventhubConfig",
]

MIDDLEWARE = [
    "eventhub.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Junk is refused inside the security headers, before anything below reads the query or the body.
    "eventhub.middleware.MalformedRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "eventhub.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "eventhub.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.context_processors.community",
            ],
        },
    },
    {
        # Posts and comments only (community.cards, templates/**/*.jinja): the markup a page repeats
        # most, which Jinja2 renders for a fraction of the CPU. A missing name fails loudly.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"undefined": jinja2.StrictUndefined},
    },
]

WSGI_APPLICATION = "eventhub.wsgi.application"
ASGI_APPLICATION = "eventhub.asgi.application"

# Database -------------------------------------------------------------------
# SQLite by default so the site starts with nothing installed; PostgreSQL in
# production (any postgres:// URL).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# No query runs longer than this on PostgreSQL (the primary and the read replica).
statement_timeout_option = f"-c statement_timeout={env.int('DB_STATEMENT_TIMEOUT_MS', default=15000)}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue instead of failing: IMMEDIATE takes the write lock at
    # BEGIN (this is what serialises bookings on SQLite, where
    # select_for_update is a no-op), WAL lets readers carry on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not shared-cache memory, so test threads queue on the busy
    # timeout exactly as app processes do; one per test run, so runs never collide.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"eventhub-test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A test database per run, so two runs against one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    # A stuck transaction cannot hold an event row forever.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={env.int('DB_LOCK_TIMEOUT_MS', default=5000)} {statement_timeout_option}"
    )

# A read replica (a PostgreSQL streaming standby): only the pages and API reads that are plainly
# browsing read from it, through eventhub.db_router; every write, transaction, booking decision,
# sign-in and the admin stay on the primary. Unset: one database, no router.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        # Tests read the primary's test database on the replica server (streaming copies it there).
        TEST={"MIRROR": "default"},
    )
    if DATABASES["replica"]["ENGINE"].startswith("django.db.backends.postgresql"):
        replica_options = DATABASES["replica"].setdefault("OPTIONS", {})
        replica_options["options"] = statement_timeout_option
        # A replica that does not answer is given up quickly: browsing then reads the primary.
        replica_options.setdefault("connect_timeout", 2)
    DATABASE_ROUTERS = ["eventhub.db_router.ReplicaRouter"]
    MIDDLEWARE.append("eventhub.db_router.BrowsingReadsMiddleware")
# After a client writes, its reads stay on the primary this long, so it sees its own change.
DATABASE_REPLICA_STICKY_SECONDS = env.int("DATABASE_REPLICA_STICKY_SECONDS", default=5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Proxies in front of the site whose X-Forwarded-For is believed (0: the socket address is the
# client). Throttles, sign-in lockouts and logs all count the address this yields.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Cache: local memory by default; redis://host:port/db shares it between
# app processes (throttles, log-in lockouts).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "eventhub.cache.RedisCache"  # keeps its redis-py clients
    # A cache server that hangs must not hang every request with it: give up after a second (a
    # query string in CACHE_URL such as ?socket_timeout=2 overrides). What a broken cache means
    # is then decided where it is read (eventhub/throttling.py, the sign-in lockout).
    cache_options = CACHES["default"].setdefault("OPTIONS", {})
    cache_options.setdefault("socket_connect_timeout", 1)
    cache_options.setdefault("socket_timeout", 1)

# Email: printed to the console unless EMAIL_URL names a server.
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="eventhub <noreply@localhost>")
# A mail server that hangs gives up after this many seconds (then the email is retried later).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# A sender that cannot be reached is retried this many times, waiting longer each time
# (2, 4, 8, ... seconds, up to ten minutes), before the email is given up and logged.
EMAIL_MAX_RETRIES = env.int("EMAIL_MAX_RETRIES", default=8)

# Background work (Celery) ---------------------------------------------------
# With a broker (Redis in production) tasks run on a worker; without one they run
# eagerly in the process that enqueued them, after its transaction commits.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL) or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Nothing is ever sent to it; named so that Celery does not go looking for a server.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Task modules beyond each app's tasks.py, so every worker knows them.
CELERY_IMPORTS = ["notifications.messages"]
CELERY_TIMEZONE = "UTC"
# A task is acknowledged when done, so a worker that dies mid-task leaves it for another
# (every task is safe to run twice); one task at a time per worker process.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A broker that is down must not hang the request that enqueues: give up publishing after
# about a second (the periodic jobs catch up with what was missed).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
# Celery beat: the periodic jobs (each also a management command). Run exactly one beat.
CELERY_BEAT_SCHEDULE = {
    "release-expired-holds": {"task": "bookings.tasks.release_expired_holds", "schedule": 60.0},
    "send-reminders": {"task": "notifications.tasks.send_reminders", "schedule": 300.0},
    "refresh-popularity": {"task": "bookings.tasks.refresh_popularity", "schedule": 600.0},
}

# Community ------------------------------------------------------------------
# Posts and comments (each) and private messages one person may write per window.
COMMUNITY_WRITES_PER_WINDOW = env.int("COMMUNITY_WRITES_PER_WINDOW", default=30)
COMMUNITY_MESSAGES_PER_WINDOW = env.int("COMMUNITY_MESSAGES_PER_WINDOW", default=60)
COMMUNITY_LIMIT_WINDOW_SECONDS = env.int("COMMUNITY_LIMIT_WINDOW_SECONDS", default=10 * 60)

# Emails to people ----------------------------------------------------------
# The reminder goes this many hours before an event starts (once per booking).
REMINDER_HOURS_BEFORE = env.int("REMINDER_HOURS_BEFORE", default=24)
# Messages an organizer may send to one event's attendees per day, and per batch sent.
ORGANIZER_MESSAGES_PER_DAY = env.int("ORGANIZER_MESSAGES_PER_DAY", default=3)
ORGANIZER_MESSAGE_BATCH = env.int("ORGANIZER_MESSAGE_BATCH", default=100)

# Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "events:list"
LOGOUT_REDIRECT_URL = "events:list"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Who may become an organizer: "open", anyone who signs up as one; "approval", they sign up as
# attendees with a request that site staff approve or decline in the admin.
ORGANIZER_SIGNUP = env("ORGANIZER_SIGNUP", default="open").strip().lower()
if ORGANIZER_SIGNUP not in ("open", "approval"):
    raise ImproperlyConfigured(
        f"ORGANIZER_SIGNUP is {ORGANIZER_SIGNUP!r}: it must be open (anyone may sign up as an organizer) "
        "or approval (staff approve each new organizer)."
    )

# Web sign-in lockout: repeated failures for one username or one address
# lock it out for a while; counted in the cache, so shared between processes.
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)

# Emails anyone may ask for (a password reset, another confirmation link, an email change) per
# recipient and per client address in a window; counted in the cache like the lockout.
ACCOUNT_EMAILS_PER_RECIPIENT = env.int("ACCOUNT_EMAILS_PER_RECIPIENT", default=5)
ACCOUNT_EMAILS_PER_ADDRESS = env.int("ACCOUNT_EMAILS_PER_ADDRESS", default=20)
ACCOUNT_EMAIL_WINDOW_SECONDS = env.int("ACCOUNT_EMAIL_WINDOW_SECONDS", default=60 * 60)
# How long a password reset, address confirmation or email change link works (3 days).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 60 * 60)

# Internationalisation -------------------------------------------------------
# The currency new events price their tickets in (ISO 4217); each event may change it.
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", default="EUR")

# The site's address as people reach it, for links in emails ("pay for your ticket").
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Payments -------------------------------------------------------------------
# The ways to pay the site offers: name -> class behind payments.providers.PaymentProvider.
# PAYMENT_PROVIDERS lists the built-in ones to enable and plugs in others as name=dotted.path
# (say card=acme_pay.eventhub.AcmeProvider); each event may offer a subset.
# The simulated test card runs the whole checkout offline; it is on only when DEBUG is on
# or TEST_CARD_ENABLED says so, never by accident in production.
BUILTIN_PAYMENT_PROVIDERS = {
    "bank_transfer": "payments.providers.BankTransfer",
    "test_card": "payments.providers.TestCard",
}
TEST_CARD_ENABLED = env.bool("TEST_CARD_ENABLED", default=DEBUG)
PAYMENT_PROVIDERS = {}
for _entry in env.list(
    "PAYMENT_PROVIDERS", default=["bank_transfer", "test_card"] if TEST_CARD_ENABLED else ["bank_transfer"]
):
    _name, _, _path = _entry.partition("=")
    PAYMENT_PROVIDERS[_name.strip()] = _path.strip() or BUILTIN_PAYMENT_PROVIDERS.get(_name.strip(), "")
    if not PAYMENT_PROVIDERS[_name.strip()]:
        raise ImproperlyConfigured(
            f"PAYMENT_PROVIDERS: {_name!r} is not built in; write it as name=dotted.path."
        )
if "test_card" in PAYMENT_PROVIDERS and not TEST_CARD_ENABLED:
    raise ImproperlyConfigured("PAYMENT_PROVIDERS names test_card, but TEST_CARD_ENABLED is off.")
# Signs the test card's webhooks (HMAC-SHA256); derived from SECRET_KEY unless given.
TEST_CARD_WEBHOOK_SECRET = env("TEST_CARD_WEBHOOK_SECRET", default="")
# A webhook older than this is a replay and refused.
WEBHOOK_TOLERANCE_SECONDS = env.int("WEBHOOK_TOLERANCE_SECONDS", default=300)
# How long a bank transfer holds the ticket once chosen (the money takes days to arrive).
BANK_TRANSFER_HOLD_DAYS = env.int("BANK_TRANSFER_HOLD_DAYS", default=3)
# Expired holds released per pass inside a booking's lock (the periodic job releases the rest).
HOLD_RELEASE_BATCH = env.int("HOLD_RELEASE_BATCH", default=50)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files ---------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Hashed, compressed file names in production (run collectstatic); plain
# names when DEBUG is on or STATIC_MANIFEST is off (the test suite).
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
# Without collectstatic (development, tests) whitenoise finds files through
# the finders instead.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=not STATIC_MANIFEST)

# Uploaded files: the event pictures (events.images), under MEDIA_ROOT/events/, served at /media/ by
# eventhub.media. Several app servers need MEDIA_ROOT on storage they share, or another STORAGES
# "default" backend (object storage), whose own addresses the pages then link to.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
# The largest picture an organizer may upload, in bytes. It also bounds all the files of one request
# together, counted as they arrive (eventhub.uploads): a larger upload is refused with 413.
EVENT_IMAGE_MAX_BYTES = env.int("EVENT_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "eventhub.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Security -------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# X-Forwarded-Proto is believed only from trusted proxies, like X-Forwarded-For.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE_SSL_REDIRECT)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Only the site's own scripts, styles and images; no inline code, no frames.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "eventhub.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "eventhub.api_errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Bounded: a hostile body is a 400 or 413, never a crash.
    "DEFAULT_PARSER_CLASSES": [
        "eventhub.parsers.JSONParser",
        "eventhub.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Counted per eventhub.net.client_address; they fail open when the cache is down. The strict
    # "auth" scope uses eventhub.throttling.AuthRateThrottle, which fails closed.
    "DEFAULT_THROTTLE_CLASSES": [
        "eventhub.throttling.AnonRateThrottle",
        "eventhub.throttling.UserRateThrottle",
    ],
    # For any throttle that still uses DRF's own get_ident: the same trusted proxies.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/min"),
        "user": env("THROTTLE_USER", default="600/min"),
        "auth": env("THROTTLE_AUTH", default="10/min"),
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "eventhub API",
    "DESCRIPTION": "Browse events, book seats, join waitlists and run events.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "eventhub.api_errors.document_unsupported_media",
    ],
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "events.models.Event.Status",
        "BookingStatusEnum": "bookings.models.Booking.Status",
        "KindEnum": "events.models.Question.Kind",
        "InvoiceKindEnum": "payments.models.Invoice.Kind",
        "PaymentStateEnum": "payments.models.Payment.State",
        "RefundStateEnum": "payments.models.Refund.State",
    },
    "TAGS": [
        {
            "name": "payments",
            "description": "Paying for held tickets, refunds and invoices. Providers report on a payment "
            "with a signed POST to /payments/webhooks/{provider}/ (outside /api/), answered with "
            "{reference, state} or {detail, code}; test_card signs with HMAC-SHA256 in "
            "X-Eventhub-Signature: t=<unix time>,v1=<hex digest of '<t>.<body>'>.",
        },
    ],
}

# Logging --------------------------------------------------------------------
# One line per booking, cancellation, promotion and failed sign-in, with the
# request id: JSON in production, key=value text in development.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "eventhub.logging.RequestContextFilter"},
        "client_fault": {"()": "eventhub.logging.ClientFaultFilter"},
    },
    "formatters": {
        "json": {"()": "eventhub.logging.JsonFormatter"},
        "text": {
            "()": "eventhub.logging.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "eventhub": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # A 4xx is a normal outcome (a full event, an expired token), not a warning: a flash
        # sale would otherwise log a line per refused attendee. 5xx are still logged.
        "django.request": {"level": "ERROR"},
        # Django logs its refusal of a malformed request (answered 400 or 413) as an error with a
        # traceback; a client sending junk is a warning, in plain words.
        **{
            f"django.security.{name}": {"filters": ["client_fault"]}
            for name in (
                "DisallowedHost",
                "RequestDataTooBig",
                "TooManyFieldsSent",
                "TooManyFilesSent",
                "SuspiciousMultipartForm",
                "DisallowedModelAdminLookup",
                "DisallowedModelAdminToField",
            )
        },
    },
}
