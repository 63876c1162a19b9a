"""Klinik settings. Wiring only: every value comes from the environment through config.env."""

import base64
import hashlib
import os
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from klinik.config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("KLINIK_DATA_DIR", str(BASE_DIR.parent / "var"))).resolve()
# For Klinik's user only (an existing folder is left as it is; `check --deploy` warns).
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)

DEBUG = env_bool("KLINIK_DEBUG", False)
DEMO = env_bool("KLINIK_DEMO", False)


def _secret_key() -> str:
    key = env_str("KLINIK_SECRET_KEY", "")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    raise ImproperlyConfigured(
        "No secret key: set KLINIK_SECRET_KEY or create "
        f"{key_file} (`make run` creates one on first start)."
    )


SECRET_KEY = _secret_key()


def field_keys(*, configured: str, data_dir: Path, secret_key: str) -> list[str]:
    """Fernet keys for secrets kept in the database (TOTP secrets): KLINIK_FIELD_KEY
    (comma-separated: the first encrypts, every one decrypts, so a key can be rotated), else
    $KLINIK_DATA_DIR/field_key (`make run` writes one), else one derived from the secret key
    (`klinik check --deploy` warns). The derived key always decrypts as a last resort, so
    secrets written before a key was configured stay readable."""
    derived = base64.urlsafe_b64encode(
        hashlib.sha256(b"klinik field key\0" + secret_key.encode()).digest()
    ).decode()
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    key_file = data_dir / "field_key"
    if not keys and key_file.exists():
        keys = [key_file.read_text().strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError as exc:
            raise ImproperlyConfigured(
                "KLINIK_FIELD_KEY (or the field_key file) must hold Fernet keys: 32 bytes in "
                "URL-safe base64, e.g. from `python -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())'`"
            ) from exc
    return [*keys, derived] if derived not in keys else keys


KLINIK_FIELD_KEYS = field_keys(
    configured=env_str("KLINIK_FIELD_KEY", ""), data_dir=DATA_DIR, secret_key=SECRET_KEY
)
# Only the key derived from the secret key: `klinik check --deploy` warns.
KLINIK_FIELD_KEY_DERIVED = len(KLINIK_FIELD_KEYS) == 1


def _audit_keys(data_dir: Path) -> tuple[str, list[str]]:
    """The access log's HMAC key and the retired keys older entries were written with.

    Never stored in the database (docs/adr/0013). KLINIK_AUDIT_KEY, else the first line of
    $KLINIK_DATA_DIR/audit_key (`make run` writes it); retired keys from
    KLINIK_AUDIT_RETIRED_KEYS (comma-separated) and, when the key comes from the file, its
    further lines. Missing: empty, and the audit app's system check refuses to start.
    """
    retired = env_list("KLINIK_AUDIT_RETIRED_KEYS", [])
    key = env_str("KLINIK_AUDIT_KEY", "").strip()
    if key:
        return key, retired
    key_file = data_dir / "audit_key"
    if not key_file.exists():
        return "", retired
    lines = [line.strip() for line in key_file.read_text().splitlines() if line.strip()]
    return (lines[0], [*lines[1:], *retired]) if lines else ("", retired)


KLINIK_AUDIT_KEY, KLINIK_AUDIT_RETIRED_KEYS = _audit_keys(DATA_DIR)
# The append-only file the hourly checkpoints of the access log's head go to. Production:
# another host or disk than the database's (docs/deployment.md).
KLINIK_AUDIT_WITNESS = Path(
    env_str("KLINIK_AUDIT_WITNESS", "") or str(DATA_DIR / "audit-witness.log")
).resolve()
ALLOWED_HOSTS = env_list("KLINIK_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("KLINIK_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "klinik.audit",
    "klinik.core",
    "klinik.terminology",
    "klinik.staff",
    "klinik.patients",
    "klinik.scheduling",
    "klinik.records",
    "klinik.pathways",
    "klinik.correspondence",
    "klinik.billing",
    "klinik.purchasing",
    "klinik.desk",
    "klinik.reporting",
    "klinik.api",
    "klinik.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "klinik.api.middleware.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files stay cacheable, everything else is no-store.
    "klinik.core.middleware.ResponseHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything that reads the database: a 503 page while it is away.
    "klinik.core.outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "klinik.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "klinik.core.middleware.IdleTimeoutMiddleware",
    "klinik.core.middleware.TwoFactorMiddleware",
    "klinik.core.middleware.PasswordChangeMiddleware",
    "klinik.core.middleware.ActorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "klinik.config.urls"
WSGI_APPLICATION = "klinik.config.wsgi.application"
AUTH_USER_MODEL = "core.User"
# The session's user is read with their memberships in one query (core/auth_backend.py).
AUTHENTICATION_BACKENDS = ["klinik.core.auth_backend.MembershipBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"

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
                "klinik.core.context_processors.shell",
            ],
        },
    }
]

# Database: embedded SQLite (WAL) by default, PostgreSQL through DATABASE_URL.
_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    # A kept connection is checked before each request's first query, so one that died with
    # the server is dropped and made again (klinik/core/outage.py).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A server that does not answer (rather than refuses) fails a request in seconds, not
        # after the operating system's TCP timeout of minutes.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("KLINIK_DB_CONNECT_TIMEOUT", 5)
        )
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "KLINIK_PG_PREPARED_STATEMENTS", True
    ):
        # Server-side parameters, and statements prepared once a connection has run them
        # five times: planning a join often costs more than running it (the API token's:
        # 0.75 ms planning, 0.2 ms running). Set KLINIK_PG_PREPARED_STATEMENTS=0 behind a
        # pooler in transaction mode (PgBouncer), which cannot keep prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
else:
    _sqlite = DATA_DIR / "klinik.sqlite3"
    # Made here, empty, for its owner only: SQLite would create it 0644 under a usual umask,
    # and gives its WAL and shared-memory files the database file's permissions.
    if not _sqlite.exists():
        os.close(os.open(_sqlite, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_sqlite),
            "OPTIONS": {
                # IMMEDIATE: a write transaction takes the write lock at BEGIN, so two writers
                # queue instead of failing with "database is locked" half-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA cache_size=-65536;"
                    "PRAGMA temp_store=MEMORY;"
                    "PRAGMA mmap_size=268435456;"
                ),
            },
            # A file, not memory: the concurrency tests book from several processes at once.
            "TEST": {"NAME": str(DATA_DIR / "test_klinik.sqlite3")},
            # Keep connections per worker thread: opening one costs more than most requests'
            # queries (see docs/benchmarks.md).
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every web process (rate limits of the public pages): the database, not memory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "klinik_cache",
    }
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# A speed knob for the test suite only: hashing a password on purpose takes ~0.3 s, and
# hundreds of tests log in. Never set outside tests.
if env_bool("KLINIK_TEST_FAST_PASSWORD_HASHING", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "klinik.core.validators.PasswordContainsUsernameValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login hardening
KLINIK_LOCKOUT_THRESHOLD = env_int("KLINIK_LOCKOUT_THRESHOLD", 5)
KLINIK_LOCKOUT_MINUTES = env_int("KLINIK_LOCKOUT_MINUTES", 15)
KLINIK_IDLE_TIMEOUT_MINUTES = env_int("KLINIK_IDLE_TIMEOUT_MINUTES", 30)
# Failed password and code attempts from one client address before a 429, per window; on
# top of the per-account lock. Successful logins do not count.
KLINIK_LOGIN_RATE_LIMIT = env_int("KLINIK_LOGIN_RATE_LIMIT", 30)
KLINIK_LOGIN_RATE_MINUTES = env_int("KLINIK_LOGIN_RATE_MINUTES", 15)
# Reverse proxies in front of Klinik that append the client's address to X-Forwarded-For
# (0: clients connect directly). Rate limits count per client address.
KLINIK_TRUSTED_PROXIES = env_int("KLINIK_TRUSTED_PROXIES", 0)
# Two-factor authentication is required for roles that read records, except in the demo.
KLINIK_REQUIRE_2FA = env_bool("KLINIK_REQUIRE_2FA", not DEMO)
KLINIK_BREAK_GLASS_MINUTES = env_int("KLINIK_BREAK_GLASS_MINUTES", 120)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# The idle timeout is enforced by IdleTimeoutMiddleware; the cookie only bounds a working day.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "klinik.core.views.csrf_failure"

# Security headers
HTTPS = env_bool("KLINIK_HTTPS", False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("KLINIK_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Browser features pages may use: the microphone for dictation (records_dictation.js
# records audio in the page), full screen here; nothing else, for no one.
KLINIK_PERMISSIONS_POLICY: dict[str, list[str]] = {
    "microphone": ["self"],
    "fullscreen": ["self"],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "hid": [],
    "midi": [],
    "accelerometer": [],
    "gyroscope": [],
    "magnetometer": [],
    "xr-spatial-tracking": [],
    "browsing-topics": [],
}

# Internationalisation: Danish first, English switchable.
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Copenhagen"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(mode=0o700, parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # Hashed, compressed names once `collectstatic` has run (`make run` does).
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if (STATIC_ROOT / "staticfiles.json").exists() and not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without `collectstatic` (tests, a quick `klinik runserver`) files are served from the apps.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
# Record documents and dictation audio (stored under DATA_DIR/documents): the largest upload
# accepted, in megabytes.
KLINIK_DOCUMENT_MAX_MB = env_int("KLINIK_DOCUMENT_MAX_MB", 20)
# A request body read into memory (JSON, not a multipart file): the MedCom inbox takes Bundles
# up to 10 MB and a message's attachments travel base64 in JSON (5 MB become 6.7 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 11 * 1024 * 1024
KLINIK_AUDIO_MAX_MB = env_int("KLINIK_AUDIO_MAX_MB", 100)

EMAIL_BACKEND = env_str("KLINIK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("KLINIK_EMAIL_FROM", "klinik@localhost")

# Messages to patients: the SMS gateway adapter (the local default records only, in the
# outbox), the sender name shown on the phone, and the address links in messages point to.
KLINIK_SMS_BACKEND = env_str("KLINIK_SMS_BACKEND", "klinik.correspondence.channels.LocalSmsBackend")
KLINIK_SMS_SENDER = env_str("KLINIK_SMS_SENDER", "Klinik")
# MedCom messages: "local" writes each Bundle to $KLINIK_DATA_DIR/medcom/out (ADR 0020).
MEDCOM_BACKEND = env_str("KLINIK_MEDCOM_BACKEND", "local")
# Digital Post: the adapter class; the local one writes what it would send (ADR 0022).
KLINIK_DIGITAL_POST_BACKEND = env_str(
    "KLINIK_DIGITAL_POST_BACKEND",
    "klinik.correspondence.channels.digital_post.LocalDigitalPostBackend",
)
KLINIK_PUBLIC_URL = env_str("KLINIK_PUBLIC_URL", "http://127.0.0.1:8000")
# FMK (Fælles Medicinkort): the adapter a doctor's approved prescription renewal goes through;
# the local one writes what it would send to $KLINIK_DATA_DIR/fmk/out (ADR 0027). A real
# backend reads its own settings (KLINIK_FMK_*: endpoint, certificate, the clinic's id).
KLINIK_FMK_BACKEND = env_str(
    "KLINIK_FMK_BACKEND", "klinik.correspondence.renewals.fmk.LocalFmkBackend"
)

# The national CPR register: the adapter that gives name and address from a CPR number on the
# registration form (klinik/patients/cpr_register.py, ADR 0035). The local one answers from
# KLINIK_CPR_REGISTER_FILE (default: $KLINIK_DATA_DIR/cpr_register.json, else the shipped
# synthetic test file). The real one, the CPR register's lookup on Serviceplatformen, is named
# and not done; it will read the settings below.
KLINIK_CPR_REGISTER_BACKEND = env_str(
    "KLINIK_CPR_REGISTER_BACKEND", "klinik.patients.cpr_register.LocalCprRegister"
)
KLINIK_CPR_REGISTER_FILE = env_str("KLINIK_CPR_REGISTER_FILE", "")
KLINIK_CPR_SERVICEPLATFORMEN: dict[str, str] = {
    "endpoint": env_str("KLINIK_CPR_SP_ENDPOINT", ""),
    "certificate": env_str("KLINIK_CPR_SP_CERTIFICATE", ""),  # OCES system certificate (PEM)
    "service_agreement_uuid": env_str("KLINIK_CPR_SP_SERVICE_AGREEMENT", ""),
    "user_system_uuid": env_str("KLINIK_CPR_SP_USER_SYSTEM", ""),
    "user_uuid": env_str("KLINIK_CPR_SP_USER", ""),  # the clinic's (CVR) user on the platform
}

# Sygeforsikringen "danmark": the adapter that reports an invoice for a member's subsidy (the
# provider's interface is closed; the local default records the report and computes a stand-in
# subsidy, docs/adr/0021).
KLINIK_DANMARK_BACKEND = env_str(
    "KLINIK_DANMARK_BACKEND", "klinik.billing.danmark.LocalDanmarkBackend"
)
# Regional settlement of fees: the adapter that sends a month's batch file (the local default
# keeps it under DATA_DIR/settlements/).
KLINIK_SETTLEMENT_BACKEND = env_str(
    "KLINIK_SETTLEMENT_BACKEND", "klinik.billing.fees.settlement.LocalSettlementBackend"
)

# Structured JSON logs. Messages carry ids, never patient data; the filter is a safety net.
LOG_LEVEL = env_str("KLINIK_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "klinik.core.logging.RedactPersonalDataFilter"}},
    "formatters": {"json": {"()": "klinik.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django logs the full path of 4xx/5xx requests; ours never carry patient data in
        # paths, but query strings could, so the redact filter drops them.
        "django.request": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}
