"""The one settings module. Every value an operator may change is read from the environment (see README)."""

from __future__ import annotations

import secrets
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from minsheng.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_keys,
    env_list,
    env_required,
    env_str,
    load_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MINSHENG_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

# The demo writes its generated secrets here on first run (never committed; see scripts/demo_secrets.py).
load_env_file(Path(env_str("MINSHENG_ENV_FILE", str(VAR_DIR / "demo.env")) or ""))

ENV = env_choice("MINSHENG_ENV", "development", {"development", "test", "production"})
PRODUCTION = ENV == "production"

if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY", why="MINSHENG_ENV=production signs sessions with it")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long in production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated host names)")
    DEBUG = False
else:
    # Outside production a missing key is replaced by a random one per process: sessions do not survive a
    # restart, which is what a developer expects and what no production server may do.
    SECRET_KEY = env_str("SECRET_KEY") or secrets.token_urlsafe(50)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
    DEBUG = env_bool("DEBUG", ENV == "development")

# AES-256-GCM keys for personal data (ID, phone and bank numbers); the first encrypts, all decrypt.
ENCRYPTION_KEYS: list[bytes] = env_keys("MINSHENG_ENCRYPTION_KEYS", "MINSHENG_ENCRYPTION_KEY_FILE", required=PRODUCTION)
if not ENCRYPTION_KEYS:
    ENCRYPTION_KEYS = [secrets.token_bytes(32)]
# HMAC-SHA256 key of the blind indexes (exact lookup of encrypted values). It never rotates with the encryption
# keys: changing it means recomputing every index (docs/deployment.md).
_blind_index_keys = env_keys("MINSHENG_BLIND_INDEX_KEY", "MINSHENG_BLIND_INDEX_KEY_FILE", required=PRODUCTION)
if len(_blind_index_keys) > 1:
    raise ImproperlyConfigured("MINSHENG_BLIND_INDEX_KEY holds one key, not a list")
BLIND_INDEX_KEY: bytes = _blind_index_keys[0] if _blind_index_keys else secrets.token_bytes(32)

# Recording an audit action that no module declares (core/modules.py) fails outside production, so that a test
# catches a missing label; in production the event is written anyway.
AUDIT_ACTIONS_STRICT = not PRODUCTION
# The audit log on PostgreSQL: month partitions created this many months ahead (manage.py audit_partitions, the daily
# task audit.partitions), and month partitions older than AUDIT_RETENTION_MONTHS detached, written to
# AUDIT_ARCHIVE_DIR and dropped by manage.py audit_archive (docs/modules/audit.md).
AUDIT_PARTITION_MONTHS_AHEAD = env_int("AUDIT_PARTITION_MONTHS_AHEAD", 3, minimum=1, maximum=24)
AUDIT_RETENTION_MONTHS = env_int("AUDIT_RETENTION_MONTHS", 36, minimum=6, maximum=600)
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR", str(VAR_DIR / "audit-archive")) or VAR_DIR / "audit-archive")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "minsheng.core",
    "minsheng.areas",
    "minsheng.catalog",
    "minsheng.accounts",
    "minsheng.audit",
    "minsheng.people",
    "minsheng.workdays",
    "minsheng.desk",
    "minsheng.intake",
    "minsheng.assistance",
    "minsheng.exchange",
    "minsheng.relief",
    "minsheng.funeral",
    "minsheng.monitoring",
    "minsheng.payments",
    "minsheng.eldercare",
    "minsheng.children",
    "minsheng.social",
    "minsheng.volunteers",
    "minsheng.statistics",
    "minsheng.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "minsheng.core.middleware.RequestContextMiddleware",
    "minsheng.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files are answered before it and stay cacheable; everything else is no-store.
    "minsheng.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "minsheng.core.middleware.SlidingSessionMiddleware",
    "minsheng.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "minsheng.accounts.middleware.ActiveScopeMiddleware",
    "minsheng.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "minsheng.urls"
WSGI_APPLICATION = "minsheng.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["minsheng.accounts.backends.RoleBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "minsheng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minsheng.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", VAR_DIR / "minsheng.sqlite3")}
# Through pgbouncer in transaction mode (docs/deployment.md, "Read replica and pgbouncer"): a connection to the
# server is lent for one transaction at a time, so no server-side cursor may outlive it. Connections to pgbouncer
# itself are cheap and kept (CONN_MAX_AGE from DATABASE_CONN_MAX_AGE, default 60 s); Django's psycopg 3 backend
# prepares no statements (prepare_threshold None), which pgbouncer 1.18 in transaction mode could not carry.
DATABASE_POOLER = env_bool("DATABASE_POOLER", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0, maximum=3600)
if DATABASE_POOLER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A read replica (a hot standby of the primary): the statistics, their exports, the policy simulation and the
# auditor's searches read from it (core/db_router.py); everything else, and every read inside a transaction, stays
# on the primary. Tests mirror it on the primary's test database, except the `replica` tests, which point it at the
# real standby's copy of that database (conftest.py).
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **env_database("DATABASE_REPLICA_URL", VAR_DIR / "minsheng.sqlite3"),
        "TEST": {"MIRROR": "default"},
    }
    if DATABASE_POOLER:
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASE_ROUTERS = ["minsheng.core.db_router.ReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords: Argon2 first (Django's recommended strong hasher), PBKDF2 accepted for upgrades.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENV == "test":
    # Hashing speed is not under test; the hasher list above is checked by a test of production settings.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The password policy (等保 2.0 level 3): a minimum length, at least PASSWORD_MIN_CLASSES of upper case, lower
# case, digits and symbols, none of the last PASSWORD_HISTORY passwords again (the current one included; 0: no
# check), and a new password after PASSWORD_MAX_AGE_DAYS (0: never), asked for before anything else.
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10, minimum=8, maximum=128)
PASSWORD_MIN_CLASSES = env_int("PASSWORD_MIN_CLASSES", 3, minimum=1, maximum=4)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5, minimum=0, maximum=24)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90, minimum=0, maximum=3650)
# A home visit located more than this many metres from where its subject expects it is flagged "far" (never refused).
VISIT_FAR_METRES = env_int("VISIT_FAR_METRES", 500, minimum=10, maximum=100_000)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "minsheng.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "minsheng.accounts.validators.CharacterClassesValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES},
    },
    {"NAME": "minsheng.accounts.validators.PasswordHistoryValidator", "OPTIONS": {"keep": PASSWORD_HISTORY}},
]
# An administrator's reset gives a one-time link (Django's token: it dies with the first password set through
# it, or after this many hours).
PASSWORD_RESET_TIMEOUT = 3600 * env_int("PASSWORD_RESET_HOURS", 24, minimum=1, maximum=168)

# Login throttling, per account and client address: after LOGIN_FAILURE_LIMIT failures for one account from one
# address within the window, that address may not try that account again until the oldest failure leaves the
# window (a success from the address clears its earlier failures). One address is refused any account after 4 ×
# LOGIN_FAILURE_LIMIT failures. Failures from one address never refuse the account elsewhere: nobody can lock
# somebody else out.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=60)

# Sessions end after SESSION_IDLE_SECONDS without a request (the expiry slides with use, the session written at
# most once every SESSION_TOUCH_SECONDS: core.middleware.SlidingSessionMiddleware) and when the browser closes:
# window PCs are shared.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 1800, minimum=60, maximum=86400)
SESSION_TOUCH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "minsheng" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "media"  # outside the web root; files are served by views that check access
# The class that sends text messages (core/sms.py); the default only logs them.
SMS_SENDER = env_str("SMS_SENDER", "minsheng.core.sms.LogSmsSender")

# The online channel's one-time codes: how many an ID may ask for an hour, how long one lives, how many tries.
ONLINE_CODES_PER_HOUR = env_int("ONLINE_CODES_PER_HOUR", 5, minimum=1, maximum=100)
ONLINE_CODE_MINUTES = env_int("ONLINE_CODE_MINUTES", 10, minimum=1, maximum=60)
ONLINE_CODE_ATTEMPTS = env_int("ONLINE_CODE_ATTEMPTS", 5, minimum=1, maximum=20)

# Largest document a window or an applicant may upload (bytes).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024, maximum=100 * 1024 * 1024)
# An item waiting for materials reminds the window and the applicant (a text) after this many working days.
MATERIALS_REMINDER_WORKING_DAYS = env_int("MATERIALS_REMINDER_WORKING_DAYS", 5, minimum=1, maximum=60)
# Largest photo a relief station may put on a public tracing announcement (bytes).
RELIEF_PHOTO_MAX_BYTES = env_int("RELIEF_PHOTO_MAX_BYTES", 2 * 1024 * 1024, minimum=1024, maximum=20 * 1024 * 1024)
# Public reports of funeral prices (no login): how many one client address may send within the window.
FUNERAL_REPORTS_PER_ADDRESS = env_int("FUNERAL_REPORTS_PER_ADDRESS", 5, minimum=1, maximum=1000)
FUNERAL_REPORT_WINDOW_SECONDS = env_int("FUNERAL_REPORT_WINDOW_SECONDS", 3600, minimum=60, maximum=86400)
# The public check of a volunteer's certificate by its code (no login): look-ups one client address may make.
VOLUNTEERS_VERIFY_PER_ADDRESS = env_int("VOLUNTEERS_VERIFY_PER_ADDRESS", 20, minimum=1, maximum=1000)
VOLUNTEERS_VERIFY_WINDOW_SECONDS = env_int("VOLUNTEERS_VERIFY_WINDOW_SECONDS", 3600, minimum=60, maximum=86400)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, WhiteNoise serves straight from the app folders, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG

# Every API list is paginated by one class (core/api.py): PAGE_SIZE rows unless the caller asks for fewer or more,
# never more than API_MAX_PAGE_SIZE in one answer.
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200, minimum=1, maximum=1000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["minsheng.core.api.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "minsheng.core.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "minsheng.core.api.Pagination",
    "PAGE_SIZE": min(50, API_MAX_PAGE_SIZE),
    "EXCEPTION_HANDLER": "minsheng.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Minsheng API",
    "DESCRIPTION": "民生 帮扶救助信息平台 API. Every list is limited to the caller's areas.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # A choice set answered by several components is named here (else drf-spectacular makes up a hashed name).
    "ENUM_NAME_OVERRIDES": {"VerificationStatusEnum": "minsheng.exchange.models.Verification.Status"},
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
# Without a broker, tasks run in the calling process: the embedded demo needs no worker.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# The daily sweeps, for `celery -A minsheng beat` (each is safe to repeat; cron calling the commands works too).
# A change that can move a statistic queues a refresh of the summary after its commit (statistics.tasks.refresh_soon):
# one per process per STATISTICS_REFRESH_DELAY_SECONDS, run that much later, so that it takes those seconds' changes at
# once. Without a broker the refresh runs at the commit. Off in tests, which run the refresh where they need it.
STATISTICS_REFRESH_AFTER_CHANGE = env_bool("STATISTICS_REFRESH_AFTER_CHANGE", ENV != "test")
STATISTICS_REFRESH_DELAY_SECONDS = env_int("STATISTICS_REFRESH_DELAY_SECONDS", 10, minimum=0, maximum=300)
CELERY_BEAT_SCHEDULE = {
    # The daily jobs run at night, not every 24 hours from whenever beat started (that could be office hours).
    "deadlines": {"task": "intake.sweep_deadlines", "schedule": crontab(hour=1, minute=0)},
    "materials-reminders": {"task": "intake.remind_materials", "schedule": crontab(hour=1, minute=5)},
    "temporary-papers": {"task": "assistance.sweep_temporary_papers", "schedule": crontab(hour=1, minute=10)},
    "county-review": {"task": "assistance.sweep_county_review", "schedule": crontab(hour=1, minute=15)},
    "end-tapers": {"task": "assistance.end_tapers", "schedule": crontab(hour=1, minute=20)},
    # The monthly verification (月度核对) before the payroll of the next month is prepared.
    "monthly-verification": {
        "task": "exchange.monthly_check_this_month",
        "schedule": crontab(day_of_month=20, hour=3, minute=0),
    },
    # Proactive discovery: the day's feeds through the warning rules, escalation, the low-income population.
    "proactive-discovery": {"task": "monitoring.discover", "schedule": crontab(hour=3, minute=30)},
    # Elderly care: the target list, the month's orders, compliance and the death check; the yearly liveness checks.
    "eldercare-nightly": {"task": "eldercare.nightly", "schedule": crontab(hour=4, minute=0)},
    "eldercare-liveness": {
        "task": "eldercare.liveness_open",
        "schedule": crontab(month_of_year=1, day_of_month=1, hour=4, minute=30),
    },
    # Children in difficulty: the register from the data, the visits due, red children past their date escalated.
    "children-daily": {"task": "children.daily", "schedule": crontab(hour=4, minute=0)},
    # The dashboard reads the last complete summary and never refreshes it: this brings it up to date every minute
    # (besides the refresh a change queues, STATISTICS_REFRESH_AFTER_CHANGE), and the nightly rebuild puts right
    # anything written without an audit event.
    "statistics-refresh": {"task": "statistics.refresh", "schedule": 60.0},
    "statistics-rebuild": {"task": "statistics.rebuild", "schedule": crontab(hour=2, minute=0)},
    # The audit log's month partitions, created AUDIT_PARTITION_MONTHS_AHEAD ahead (PostgreSQL; idempotent).
    "audit-partitions": {"task": "audit.partitions", "schedule": crontab(hour=0, minute=30)},
}

PORT = env_int("PORT", 8000, minimum=1, maximum=65535)

# Reverse proxies whose X-Real-IP / X-Forwarded-For is believed (exact addresses, e.g. 127.0.0.1).
TRUSTED_PROXIES = frozenset(env_list("TRUSTED_PROXIES", []))

# Behind the reverse proxy in production; check --deploy passes with these.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
