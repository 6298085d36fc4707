"""One settings module, driven by the environment.

Embedded default: SQLite in ``$SHEQU_DATA_DIR`` (``./var``), WAL, ``transaction_mode: IMMEDIATE``.
Production: ``SHEQU_DATABASE_URL=postgres://...`` (psycopg 3), ``SHEQU_SECRET_KEY`` required.
``SHEQU_MODE`` is ``demo`` (set by ``shequ demo``), ``production`` (set by ``shequ serve``) or
``dev`` (tests and management commands).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SHEQU_DATA_DIR", "var")).resolve()
MODE = os.environ.get("SHEQU_MODE", "dev")

INSECURE_DEFAULT_SECRET = "shequ-insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SHEQU_SECRET_KEY", INSECURE_DEFAULT_SECRET)
DEBUG = os.environ.get("SHEQU_DEBUG", "") == "1"

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("SHEQU_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
if MODE != "production":
    # Tests and local runs; production names its hosts in SHEQU_ALLOWED_HOSTS.
    ALLOWED_HOSTS += ["testserver", "localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("SHEQU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    # Django's tasks API (the django-tasks backport on Django 5.2) and its database backend: the
    # background jobs (shequ.jobs, docs/tasks.md); its tables are made by the normal migrate.
    "django_tasks",
    "django_tasks_db",
    "shequ.core",
    "shequ.audit",
    "shequ.registry",
    "shequ.jobs",
    "shequ.accounts",
    "shequ.alerts",
    "shequ.passes",
    "shequ.containment",
    "shequ.workforce",
    "shequ.gates",
    "shequ.campaigns",
    "shequ.health",
    "shequ.services",
    "shequ.supplies",
    "shequ.notices",
    "shequ.disinfection",
    "shequ.stock",
    "shequ.reports",
    "shequ.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Error responses under /api/ that are not JSON become JSON, in the language just chosen; no API
    # response is cached (personal data).
    "shequ.errors.ApiErrorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shequ.accounts.middleware.ScopeMiddleware",
    # A one-time password must be changed before anything else.
    "shequ.accounts.middleware.PasswordChangeMiddleware",
    "shequ.core.middleware.PdfFontMiddleware",
    # Axes last, as its documentation asks: it answers locked-out logins itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shequ.urls"
WSGI_APPLICATION = "shequ.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shequ.accounts.context_processors.scope",
                "shequ.menu.context",
                "shequ.elder.context",
            ],
        },
    },
]


def database_from_url(url: str, *, pgbouncer: bool = False) -> dict[str, Any]:
    """One DATABASES entry from a URL (the primary's or the replica's)."""
    db: dict[str, Any] = dict(dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("SHEQU_DB_CONN_MAX_AGE", "60"))))
    db["CONN_HEALTH_CHECKS"] = True
    if db["ENGINE"] == "django.db.backends.postgresql":
        options = db.setdefault("OPTIONS", {})
        # No JIT compilation: it spent 70 ms compiling the coverage of a million targets, a query
        # that runs in a quarter of a second; short statements never gain from it.
        options.setdefault("options", "-c jit=off")
        # Server-side parameter binding lets psycopg prepare a statement the fifth time it runs
        # on a connection, so PostgreSQL stops planning it again: a gate passage's statements
        # spent more time being planned than run (docs/performance.md). Off with
        # SHEQU_DB_PREPARED_STATEMENTS=0, and always behind PgBouncer.
        if pgbouncer:
            # PgBouncer in transaction mode gives each transaction whichever server connection is
            # free. A prepared statement (PgBouncer < 1.21) or a server-side cursor (a named cursor
            # that .iterator() keeps open across fetches outside a transaction) lives on one server
            # connection and would be looked for on another: "prepared statement does not exist",
            # "cursor does not exist". Django's documented answer is DISABLE_SERVER_SIDE_CURSORS.
            db["DISABLE_SERVER_SIDE_CURSORS"] = True
        elif os.environ.get("SHEQU_DB_PREPARED_STATEMENTS", "1") != "0":
            options.update(server_side_binding=True, prepare_threshold=5)
    return db


def _database() -> dict[str, Any]:
    url = os.environ.get("SHEQU_DATABASE_URL", "")
    if url:
        return database_from_url(url, pgbouncer=os.environ.get("SHEQU_PGBOUNCER", "") == "1")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "shequ.sqlite3",
        # Keep connections between requests, as for PostgreSQL: opening one costs milliseconds, and
        # when the last one closes SQLite checkpoints the WAL into the database file and syncs it.
        # Closing after every request made a request 4-5 times slower (bench/gate.py).
        "CONN_MAX_AGE": int(os.environ.get("SHEQU_DB_CONN_MAX_AGE", "60")),
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout
            # instead of failing with "database is locked" halfway through a transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=20000;"
            ),
        },
        "TEST": {"NAME": os.environ.get("SHEQU_TEST_SQLITE", "")} if os.environ.get("SHEQU_TEST_SQLITE") else {},
    }


DATABASES = {"default": _database()}
# A streaming replica of the primary (docs/deployment.md "A read replica"): reports and dashboards
# read from it inside shequ.core.replica.using_replica(); nothing writes or migrates there. Connected
# directly, not through PgBouncer (SHEQU_REPLICA_PGBOUNCER=1 if it is). In tests it is the default's
# database (Django's TEST MIRROR), so a test sees through it what it wrote.
if os.environ.get("SHEQU_REPLICA_URL"):
    DATABASES["replica"] = {
        **database_from_url(os.environ["SHEQU_REPLICA_URL"],
                            pgbouncer=os.environ.get("SHEQU_REPLICA_PGBOUNCER", "") == "1"),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["shequ.core.replica.ReplicaRouter"]

# Background jobs (docs/tasks.md): queued in the database, run by `shequ worker` (the demo runs one
# inside its process). No Redis or other broker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A running job whose worker has not said it is alive for this long is queued again (jobs_recover).
SHEQU_JOB_LEASE_SECONDS = int(os.environ.get("SHEQU_JOB_LEASE_SECONDS", "300"))
# A roster file larger than this is imported in the background, with a progress page.
SHEQU_IMPORT_BACKGROUND_BYTES = int(os.environ.get("SHEQU_IMPORT_BACKGROUND_BYTES", str(256 * 1024)))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Every form field renders through one template (label, help and error tied to the input): core/forms.py.
FORM_RENDERER = "shequ.core.forms.FormRenderer"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("SHEQU_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves from the finders when collectstatic has not run (demo mode, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = MODE != "production"
# Uploaded files (disinfection photos): on disk under the data directory by default; another
# storage backend (an object store's Django backend) with SHEQU_FILE_STORAGE. Files are served by the
# app's own views to those whose scope sees the row, never straight from MEDIA_URL.
MEDIA_ROOT = Path(os.environ.get("SHEQU_MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": os.environ.get("SHEQU_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Disinfection photos: the largest upload accepted, the largest picture decoded (a decompression
# bomb is refused before it is), and the longest side stored (disinfection/photos.py).
SHEQU_PHOTO_MAX_BYTES = int(os.environ.get("SHEQU_PHOTO_MAX_BYTES", str(10_000_000)))
SHEQU_PHOTO_MAX_PIXELS = int(os.environ.get("SHEQU_PHOTO_MAX_PIXELS", str(40_000_000)))
SHEQU_PHOTO_SIDE = int(os.environ.get("SHEQU_PHOTO_SIDE", "1600"))

# Sessions end after inactivity: every request pushes the expiry forward.
# How long one app-server process honours an API token without reading it again (accounts/tokencache.py;
# docs/deployment.md "API tokens"): a revocation elsewhere takes effect within this many seconds.
API_TOKEN_CACHE_SECONDS = float(os.environ.get("SHEQU_API_TOKEN_CACHE_SECONDS", "5"))
SESSION_COOKIE_AGE = int(os.environ.get("SHEQU_SESSION_IDLE_SECONDS", str(30 * 60)))
# A phone at a gate or a sampling point, signed in as "a field phone at my post", stays signed in for
# the shift instead of the office's idle limit (accounts/views.py login).
SHEQU_FIELD_SESSION_HOURS = float(os.environ.get("SHEQU_FIELD_SESSION_HOURS", "8"))
# One-time passwords (new accounts, resets) stop working after this many hours.
SHEQU_ONE_TIME_PASSWORD_HOURS = 24
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
_https = os.environ.get("SHEQU_HTTPS", "") == "1"
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _https:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

# Content Security Policy: nothing from outside this server, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Login throttling (django-axes): lock a username+address after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("SHEQU_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# How many trusted proxies (nginx) stand in front of the app servers; see audit.services.client_address,
# which both the audit log and login throttling use.
SHEQU_PROXY_COUNT = int(os.environ.get("SHEQU_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "shequ.audit.services.client_address"
AXES_VERBOSE = False

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# What an upload may cost (core/uploads.py). The roster page: the file, what its zip parts unpack
# to, and the rows one request imports (more: `shequ import-roster`, which has no time limit).
IMPORT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
IMPORT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
IMPORT_PAGE_MAX_ROWS = int(os.environ.get("SHEQU_IMPORT_PAGE_ROWS", "50000"))
# An upload imported in the background (larger than SHEQU_IMPORT_BACKGROUND_BYTES) has no request
# timeout: it may have more rows (a sheet is read as a grid of about 32 bytes a cell: 120,000 rows
# x 100 columns is 384 MB at the very worst).
IMPORT_BACKGROUND_MAX_ROWS = int(os.environ.get("SHEQU_IMPORT_BACKGROUND_ROWS", "120000"))
# No uploaded file larger than the largest any page accepts is kept, in memory or on disk.
UPLOAD_MAX_BYTES = IMPORT_MAX_UPLOAD_BYTES
FILE_UPLOAD_HANDLERS = [
    "shequ.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHEQU_LOG_LEVEL", "WARNING")},
}

SHEQU_DEMO_PASSWORD_DEFAULT = "shequ-demo-2022"  # noqa: S105  printed by `shequ demo`; demo only
SHEQU_BRAND = _("Shequ community epidemic control")
