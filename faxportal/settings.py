"""Settings for the fax portal, read from the environment.

Every knob is documented in README.md ("Configuration"). Defaults give an
embedded install that needs no server: SQLite, files under ``data/``, a
filesystem Celery broker and console e-mail. Importing this module writes
nothing: the programs that start the portal prepare the data folder and its
keys first (faxportal.embedded.prepare), and these settings only read them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from faxes.carriers import registry as carrier_registry
from faxportal import embedded
from faxportal.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_seconds_map,
    env_secret,
    env_str,
    env_url,
)
from faxportal.filecrypt import keyring_from

BASE_DIR = embedded.BASE_DIR
DATA_DIR = embedded.data_dir()

# Without DJANGO_SECRET_KEY, the random key of the prepared data folder. Unprepared
# (settings imported by a tool), it stays empty and Django refuses to use it.
SECRET_KEY = env_secret("DJANGO_SECRET_KEY") or embedded.read_key(
    DATA_DIR, embedded.SECRET_KEY_FILE
)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Public base URL, used in links the portal sends out (e-mails, carrier callbacks).
FAXPORTAL_BASE_URL = env_url(
    "FAXPORTAL_BASE_URL", "http://127.0.0.1:8000", ("http", "https")
).rstrip("/")

INSTALLED_APPS = [
    # First, so its runserver (reading chunked request bodies) is the one found.
    "faxportal.devserver",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    # TOTP two-factor login and recovery codes (accounts/two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "faxes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "faxportal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "faxportal.middleware.RejectNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.DisabledAccountLogoutMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "faxportal.middleware.PortalCSPMiddleware",
]

# Content-Security-Policy (django-csp): scripts, styles, images and frames from this
# site only; no inline script or style on staff pages (htmx runs with eval off).
# Page previews before sending are data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "faxportal.urls"
WSGI_APPLICATION = "faxportal.wsgi.application"
ASGI_APPLICATION = "faxportal.asgi.application"

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
                "faxes.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
_SQLITE_PATH = DATA_DIR / "db.sqlite3"
_database_url = env_url(
    "DATABASE_URL",
    f"sqlite:///{_SQLITE_PATH}",
    ("sqlite", "postgres", "postgresql", "pgsql"),
)
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; IMMEDIATE transactions
    # and a busy timeout make concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountUserBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed and successful login POSTs allowed per client IP and per username.
FAXPORTAL_LOGIN_RATE = env_str("FAXPORTAL_LOGIN_RATE", "10/m")
SESSION_COOKIE_AGE = env_int("FAXPORTAL_SESSION_AGE", 8 * 3600, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("FAXPORTAL_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Two-factor login: the issuer authenticator apps show; a password-reset link lasts
# FAXPORTAL_PASSWORD_RESET_TIMEOUT seconds (and dies once used or the password changes).
OTP_TOTP_ISSUER = env_str("FAXPORTAL_OTP_ISSUER", "Fax portal")
PASSWORD_RESET_TIMEOUT = env_int("FAXPORTAL_PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600, minimum=300)
# Keyed hash for API token digests; defaults to SECRET_KEY. Rotating it
# invalidates every API token.
FAXPORTAL_TOKEN_HASH_KEY = env_secret("FAXPORTAL_TOKEN_HASH_KEY") or SECRET_KEY


# Keys for what is stored encrypted: fax files (each file's own key is wrapped by
# one of these) and secrets (webhook secrets, carrier credentials). Entries are
# ``id:base64 of 32 bytes`` (plain passphrases from older installs still work); the
# first encrypts, all decrypt. Required with S3 (every machine must hold the same
# keys); the embedded default is the random key of the prepared data folder
# (data/encryption_key), with SECRET_KEY as the second key so secrets encrypted
# under it still open. Like every secret, it can come from a file
# (FAXPORTAL_ENCRYPTION_KEYS_FILE). Unprepared, the list is empty and encrypting or
# decrypting refuses to start.
FAXPORTAL_ENCRYPTION_KEYS = [
    k.strip() for k in env_secret("FAXPORTAL_ENCRYPTION_KEYS").split(",") if k.strip()
]
if not FAXPORTAL_ENCRYPTION_KEYS and env_str("FAXPORTAL_S3_BUCKET"):
    raise ImproperlyConfigured(
        "FAXPORTAL_ENCRYPTION_KEYS is required with FAXPORTAL_S3_BUCKET "
        "(make one with: manage.py encryption newkey)"
    )
if FAXPORTAL_ENCRYPTION_KEYS:
    try:
        keyring_from(FAXPORTAL_ENCRYPTION_KEYS)
    except ValueError as exc:
        raise ImproperlyConfigured(f"FAXPORTAL_ENCRYPTION_KEYS: {exc}") from None
else:
    FAXPORTAL_ENCRYPTION_KEYS = [
        key
        for key in (embedded.read_key(DATA_DIR, embedded.ENCRYPTION_KEY_FILE), SECRET_KEY)
        if key
    ]

# --- Cache (rate limits share it across processes) ------------------------
_cache_url = env_url("FAXPORTAL_CACHE_URL", "", ("redis", "rediss"))
if _cache_url:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }
else:
    # One SQLite file shared by every process of this machine, with atomic add and
    # incr (Django's file cache loses counts under concurrency); production points
    # FAXPORTAL_CACHE_URL at Redis.
    CACHES = {
        "default": {
            "BACKEND": "faxportal.sqlite_cache.SQLiteCache",
            "LOCATION": str(DATA_DIR / "cache.sqlite3"),
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- Files ----------------------------------------------------------------
MEDIA_ROOT = env_path("FAXPORTAL_MEDIA_ROOT", DATA_DIR / "media")
MEDIA_URL = "/media-not-served/"  # files are only ever streamed through views
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
FAXPORTAL_S3_BUCKET = env_str("FAXPORTAL_S3_BUCKET")
_staticfiles_backend = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if env_bool("FAXPORTAL_PLAIN_STATIC", False)
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
if FAXPORTAL_S3_BUCKET:
    _default_storage = {
        "BACKEND": "faxportal.storage.EncryptedS3Storage",
        "OPTIONS": {
            "bucket_name": FAXPORTAL_S3_BUCKET,
            "endpoint_url": env_url("FAXPORTAL_S3_ENDPOINT_URL", "", ("http", "https")) or None,
            "region_name": env_str("FAXPORTAL_S3_REGION") or None,
            "access_key": env_secret("FAXPORTAL_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_secret("FAXPORTAL_S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("FAXPORTAL_S3_PREFIX"),
            # Fax documents are private health/business records: never a
            # public ACL, never an unsigned URL, never silently overwritten.
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("FAXPORTAL_S3_URL_EXPIRY", 300, minimum=1),
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"}
            if env_bool("FAXPORTAL_S3_SSE", False)
            else {},
        },
    }
else:
    _default_storage = {
        "BACKEND": "faxportal.storage.EncryptedFileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "file_permissions_mode": 0o640},
    }
STORAGES = {"default": _default_storage, "staticfiles": {"BACKEND": _staticfiles_backend}}
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Documents ------------------------------------------------------------
FAXPORTAL_MAX_DOCUMENT_BYTES = env_int(
    "FAXPORTAL_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024, minimum=1024
)
FAXPORTAL_MAX_DOCUMENT_PAGES = env_int("FAXPORTAL_MAX_DOCUMENT_PAGES", 200, minimum=1)
FAXPORTAL_MAX_IMAGE_PIXELS = env_int("FAXPORTAL_MAX_IMAGE_PIXELS", 40_000_000, minimum=1_000_000)
# Longest a single page may hold a fax line (estimated at 14,400 bit/s); longer ones are
# refused when the fax is submitted, naming the page.
FAXPORTAL_MAX_PAGE_LINE_SECONDS = env_int("FAXPORTAL_MAX_PAGE_LINE_SECONDS", 360, minimum=60)
# Office and text documents (Word, Excel, PowerPoint, OpenDocument, RTF, TXT, CSV) are
# converted to PDF by LibreOffice headless (faxes/documents/office.py): the program, how many
# conversions may run at once on a machine, and the wall time (seconds) and memory (MB) one
# conversion may take.
FAXPORTAL_SOFFICE = env_str("FAXPORTAL_SOFFICE", "soffice")
FAXPORTAL_OFFICE_CONVERSIONS = env_int("FAXPORTAL_OFFICE_CONVERSIONS", 2, minimum=1, maximum=64)
FAXPORTAL_OFFICE_TIMEOUT = env_int("FAXPORTAL_OFFICE_TIMEOUT", 60, minimum=5, maximum=900)
FAXPORTAL_OFFICE_MEMORY_MB = env_int("FAXPORTAL_OFFICE_MEMORY_MB", 1024, minimum=512)
# Converted PDFs are kept this many hours (the preview, the submit and the worker convert once).
FAXPORTAL_OFFICE_CACHE_HOURS = env_int("FAXPORTAL_OFFICE_CACHE_HOURS", 24, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = FAXPORTAL_MAX_DOCUMENT_BYTES * 2 + 1024 * 1024
# Largest request body the web server (faxportal.web_worker) takes in; 413 beyond.
FAXPORTAL_MAX_REQUEST_BYTES = env_int(
    "FAXPORTAL_MAX_REQUEST_BYTES", 100 * 1024 * 1024, minimum=1024 * 1024
)

# --- Faxing ---------------------------------------------------------------
# Phone numbers written without a country code are read in this region.
FAXPORTAL_DEFAULT_REGION = env_str("FAXPORTAL_DEFAULT_REGION", "US").upper()
# Generated account realms are <name>.<this domain>.
FAXPORTAL_REALM_DOMAIN = env_str("FAXPORTAL_REALM_DOMAIN", "fax.local")

# Transport of new faxes when no carrier configuration (Django admin) applies:
# loopback, signalwire or telnyx (see "Cloud carriers" below).
FAXPORTAL_TRANSPORT = env_choice("FAXPORTAL_TRANSPORT", "loopback", list(carrier_registry.NAMES))
# How the loopback transport's modem pair is connected: audio, g711_alaw, g711_ulaw or t38.
FAXPORTAL_LOOPBACK_MODE = env_choice(
    "FAXPORTAL_LOOPBACK_MODE", "audio", ["audio", "g711_alaw", "g711_ulaw", "t38"]
)
FAXPORTAL_MAX_RECIPIENTS = env_int("FAXPORTAL_MAX_RECIPIENTS", 10, minimum=1, maximum=100)
# Kazoo's limit: a fax is tried at most this many times in all.
FAXPORTAL_MAX_RETRIES = env_int("FAXPORTAL_MAX_RETRIES", 4, minimum=1, maximum=10)
# A scheduled_at up to this many seconds in the past (clock skew) means "now"; earlier is refused.
FAXPORTAL_SCHEDULE_PAST_TOLERANCE = env_int("FAXPORTAL_SCHEDULE_PAST_TOLERANCE", 300, minimum=0)
# First retry after this many seconds, doubling each time up to the maximum.
FAXPORTAL_RETRY_DELAY = env_int("FAXPORTAL_RETRY_DELAY", 300, minimum=0)
FAXPORTAL_RETRY_DELAY_MAX = env_int("FAXPORTAL_RETRY_DELAY_MAX", 3600, minimum=0)
# A queued fax nobody claimed within this many seconds is enqueued again.
FAXPORTAL_REQUEUE_AFTER = env_int("FAXPORTAL_REQUEUE_AFTER", 120, minimum=1)
# A fax converting or sending this long without progress lost its worker.
FAXPORTAL_STUCK_AFTER = env_int("FAXPORTAL_STUCK_AFTER", 900, minimum=1)
FAXPORTAL_SWEEP_INTERVAL = env_int("FAXPORTAL_SWEEP_INTERVAL", 15, minimum=1)
# Fault drills only: pause inside a stage, e.g. "converting=5,sending=5".
FAXPORTAL_STAGE_DELAY = env_seconds_map("FAXPORTAL_STAGE_DELAY")
# Days after which received and sent documents are purged (metadata kept); 0 = never.
FAXPORTAL_RETENTION_DAYS = env_int("FAXPORTAL_RETENTION_DAYS", 0, minimum=0)
# What notification e-mails carry: the fax as pdf, as tiff, or nothing.
FAXPORTAL_NOTIFY_ATTACHMENT = env_choice(
    "FAXPORTAL_NOTIFY_ATTACHMENT", "pdf", ["pdf", "tiff", "none"]
)
FAXPORTAL_FETCH_TIMEOUT = env_int("FAXPORTAL_FETCH_TIMEOUT", 30, minimum=1, maximum=600)
# Let document URLs point at this machine (tests and single-host setups only).
FAXPORTAL_FETCH_ALLOW_LOOPBACK = env_bool("FAXPORTAL_FETCH_ALLOW_LOOPBACK", False)
# Received faxes get a text layer (tesseract) after filing: on/off. Without tesseract
# installed it is skipped either way. A read longer than this many seconds per page is
# stopped and tried again later (FAXPORTAL_OCR_TRIES tries in all).
FAXPORTAL_OCR = env_bool("FAXPORTAL_OCR", True)
FAXPORTAL_OCR_SECONDS_PER_PAGE = env_int(
    "FAXPORTAL_OCR_SECONDS_PER_PAGE", 60, minimum=5, maximum=3600
)
FAXPORTAL_OCR_TRIES = env_int("FAXPORTAL_OCR_TRIES", 3, minimum=1, maximum=10)
# With OCR on, a received fax's e-mail waits for its text layer (so it carries the
# searchable PDF), but never longer than this many seconds: then the sweeper sends it
# with the PDF as received.
FAXPORTAL_INBOUND_MAIL_WAIT = env_int("FAXPORTAL_INBOUND_MAIL_WAIT", 900, minimum=60)

# --- Kazoo-compatible API (/v2) --------------------------------------------
# Lifetime of tokens from /v2/user_auth and /v2/api_auth, seconds.
FAXPORTAL_KAZOO_TOKEN_TTL = env_int("FAXPORTAL_KAZOO_TOKEN_TTL", 3600, minimum=60)
# Faxboxes get <8 hex>.<this domain> as their e-mail-to-fax domain.
FAXPORTAL_FAXBOX_SMTP_DOMAIN = env_str("FAXPORTAL_FAXBOX_SMTP_DOMAIN", "fax.localhost")
# /v2 requests per FAXPORTAL_API_RATE_WINDOW, per token and per client IP (0 = unlimited).
# Kazoo clients poll job status, so the budget is larger than the native API's.
FAXPORTAL_KAZOO_RATE_LIMIT = env_int("FAXPORTAL_KAZOO_RATE_LIMIT", 3000, minimum=0)
FAXPORTAL_KAZOO_RATE_LIMIT_IP = env_int("FAXPORTAL_KAZOO_RATE_LIMIT_IP", 3000, minimum=0)

# --- E-mail to fax (the SMTP gateway: manage.py smtpgateway, started by runportal) ---
# Where it listens. The embedded default is loopback only; production binds 0.0.0.0:25
# (or a port a proxy forwards 25 to) and points the faxbox domains' MX record at it.
FAXPORTAL_SMTP_HOST = env_str("FAXPORTAL_SMTP_HOST", "127.0.0.1")
FAXPORTAL_SMTP_PORT = env_int("FAXPORTAL_SMTP_PORT", 2525, minimum=1, maximum=65535)
# The name the gateway gives in its greeting (EHLO/banner).
FAXPORTAL_SMTP_HOSTNAME = env_str("FAXPORTAL_SMTP_HOSTNAME", "")
# PEM certificate chain and key for STARTTLS; without them the gateway offers no TLS
# (and so no AUTH: passwords are only taken over TLS).
FAXPORTAL_SMTP_TLS_CERT = env_str("FAXPORTAL_SMTP_TLS_CERT", "")
FAXPORTAL_SMTP_TLS_KEY = env_str("FAXPORTAL_SMTP_TLS_KEY", "")
# Largest message accepted (bytes, announced in EHLO SIZE; Kazoo's limit is 10 MB).
FAXPORTAL_SMTP_MAX_MESSAGE_SIZE = env_int(
    "FAXPORTAL_SMTP_MAX_MESSAGE_SIZE", 10 * 1024 * 1024, minimum=1024
)
# SMTP AUTH (PLAIN/LOGIN, over TLS only) with per-faxbox credentials, for copiers.
FAXPORTAL_SMTP_AUTH = env_bool("FAXPORTAL_SMTP_AUTH", True)
# Dotted path of the TXT lookup DKIM uses: f(name: bytes, timeout=5) -> bytes | None.
# Empty: dkimpy's own resolver (dnspython). Tests put a fake here.
FAXPORTAL_SMTP_DNS_TXT = env_str("FAXPORTAL_SMTP_DNS_TXT", "")

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = embedded.broker_url()
if CELERY_BROKER_URL == "filesystem://":
    # The folders are made by faxportal.embedded.prepare.
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Webhook tasks have their own queue, so a backlog of deliveries never delays fax
# work. Workers consume both queues by default (-Q celery,webhooks), or one each.
# OCR of received faxes has its own too, taken by a worker of its own (runportal starts
# one with -Q ocr), so reading faxes never holds a slot that sends or receives one.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (
    Queue("celery", routing_key="celery"),
    Queue("webhooks", routing_key="webhooks"),
    Queue("ocr", routing_key="ocr"),
)
CELERY_TASK_ROUTES = {"faxes.webhooks.*": {"queue": "webhooks"}, "faxes.ocr_fax": {"queue": "ocr"}}
# Every periodic task (Celery beat), in one place.
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Scheduled and retrying faxes that are due, unclaimed and stuck ones.
    "sweep-faxes": {"task": "faxes.sweep", "schedule": float(FAXPORTAL_SWEEP_INTERVAL)},
    # E-mails stored by the SMTP gateway whose faxes were not made (lost message, dead worker).
    "rescue-mail": {"task": "faxes.rescue_mail", "schedule": 60.0},
    # Documents past their retention.
    "purge-expired-attachments": {"task": "faxes.purge_expired", "schedule": 3600.0},
    # Ask carriers about faxes without a final callback (FAXPORTAL_CARRIER_POLL_AFTER).
    "carrier-watchdog": {
        "task": "faxes.carrier_watchdog",
        "schedule": float(max(60, FAXPORTAL_SWEEP_INTERVAL)),
    },
    # Webhook deliveries whose retry is due.
    "retry-due-webhooks": {
        "task": "faxes.webhooks.retry_due",
        "schedule": float(FAXPORTAL_SWEEP_INTERVAL),
    },
}

# --- Cloud carriers ---------------------------------------------------------
# Each carrier's portal-wide credentials (FAXPORTAL_SIGNALWIRE_*, FAXPORTAL_TELNYX_*) are read
# by its folder's conf.py (faxes/carriers/<name>/conf.py), for every carrier of the registry.
# A CarrierConfig in Django admin (per account or faxbox) may override each of them; blank
# fields there fall back to these.
for _carrier in carrier_registry.CARRIERS:
    if _carrier.conf:
        globals().update(import_module(_carrier.conf).from_environment())
# Seconds each request to a carrier's API may take.
FAXPORTAL_CARRIER_HTTP_TIMEOUT = env_int(
    "FAXPORTAL_CARRIER_HTTP_TIMEOUT", 20, minimum=1, maximum=120
)
# Lifetime of the signed link a carrier fetches the document from (it also dies
# as soon as the attempt ends).
FAXPORTAL_CARRIER_MEDIA_TTL = env_int("FAXPORTAL_CARRIER_MEDIA_TTL", 3600, minimum=60)
# Lifetime of the signed callback URLs given to a carrier for one attempt.
FAXPORTAL_CARRIER_CALLBACK_TTL = env_int("FAXPORTAL_CARRIER_CALLBACK_TTL", 86400, minimum=600)
# No final callback this long after the send: ask the carrier for the status.
FAXPORTAL_CARRIER_POLL_AFTER = env_int("FAXPORTAL_CARRIER_POLL_AFTER", 900, minimum=60)
# Still not final this long after the send: cancel at the carrier and fail the fax.
FAXPORTAL_CARRIER_GIVE_UP_AFTER = env_int("FAXPORTAL_CARRIER_GIVE_UP_AFTER", 10800, minimum=600)

# --- E-mail ---------------------------------------------------------------
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are mutually exclusive")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "faxportal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsAccountMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "faxes.api.v1.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "faxportal.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Swagger UI and Redoc at /api/v1/docs/ are served from drf_spectacular_sidecar,
# not a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "Fax portal API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "tryItOutEnabled": True},
}

# --- Staff browser UI ------------------------------------------------------
# Log a browser session out after this many seconds without a click (background
# polling does not count); 0 = only FAXPORTAL_SESSION_AGE applies.
FAXPORTAL_SESSION_IDLE_TIMEOUT = env_int("FAXPORTAL_SESSION_IDLE_TIMEOUT", 3600, minimum=0)
# Rows per page in the inbox, outbox and audit log (keyset pagination).
FAXPORTAL_UI_PAGE_SIZE = env_int("FAXPORTAL_UI_PAGE_SIZE", 50, minimum=5, maximum=500)
# Seconds between the lists' background checks for new faxes and status changes.
FAXPORTAL_UI_POLL_SECONDS = env_int("FAXPORTAL_UI_POLL_SECONDS", 5, minimum=1, maximum=300)
# The send preview renders at most this many pages (it says how many more are sent).
FAXPORTAL_UI_PREVIEW_PAGES = env_int("FAXPORTAL_UI_PREVIEW_PAGES", 20, minimum=1, maximum=200)

# --- Native API v1: rate limits, docs, webhooks (faxes/api/v1, faxes/webhooks) ---
# Requests allowed per window, per API token (or browser user) and per client IP;
# 0 turns that limit off. Counted in the cache, so FAXPORTAL_CACHE_URL (Redis)
# shares them across processes and machines.
FAXPORTAL_API_RATE_LIMIT = env_int("FAXPORTAL_API_RATE_LIMIT", 100, minimum=0)
FAXPORTAL_API_RATE_LIMIT_IP = env_int("FAXPORTAL_API_RATE_LIMIT_IP", 100, minimum=0)
FAXPORTAL_API_RATE_WINDOW = env_int("FAXPORTAL_API_RATE_WINDOW", 900, minimum=1)
# Webhook deliveries: seconds per attempt, first retry delay (doubling up to the
# maximum) and how long after the event a delivery is retried before it fails.
FAXPORTAL_WEBHOOK_TIMEOUT = env_int("FAXPORTAL_WEBHOOK_TIMEOUT", 10, minimum=1, maximum=60)
FAXPORTAL_WEBHOOK_RETRY_DELAY = env_int("FAXPORTAL_WEBHOOK_RETRY_DELAY", 30, minimum=1)
FAXPORTAL_WEBHOOK_RETRY_DELAY_MAX = env_int(
    "FAXPORTAL_WEBHOOK_RETRY_DELAY_MAX", 4 * 3600, minimum=1
)
FAXPORTAL_WEBHOOK_RETRY_FOR = env_int("FAXPORTAL_WEBHOOK_RETRY_FOR", 24 * 3600, minimum=0)
# After a secret rotation, deliveries are signed with the old secret too for this
# many seconds (both signatures in webhook-signature), so receivers can roll over.
FAXPORTAL_WEBHOOK_SECRET_GRACE = env_int(
    "FAXPORTAL_WEBHOOK_SECRET_GRACE", 24 * 3600, minimum=0, maximum=7 * 24 * 3600
)

# --- i18n -----------------------------------------------------------------
# Staff pages, e-mails, cover pages and receipts speak these languages: the browser's
# (Accept-Language), or the user's own choice (User.language, the language switcher).
# Machine surfaces (/api/, /v2/, carrier hooks) always answer in English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "faxportal_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env_str("FAXPORTAL_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    # No credential in any log line: query strings of request lines included.
    "filters": {"redact_secrets": {"()": "faxportal.redaction.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
        # Django's own request-line handler (runserver), filtered like the others.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "FAXPORTAL_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
        ),
    },
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # httpx would log every outbound URL (signed query strings included) at INFO;
        # faxes.net logs what matters, by host only.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
