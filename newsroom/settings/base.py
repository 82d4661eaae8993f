"""Settings shared by every environment.

The environment is read here and only here: every other settings module and every app reads
`django.conf.settings`. With no variables set the project runs on one machine (SQLite, files under
media/, in-memory channel layer, database search, database task queue).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ENV = os.environ


def env_bool(name: str, default: bool = False) -> bool:
    value = ENV.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in ENV.get(name, default).split(",") if item.strip()]


SECRET_KEY = ENV.get("SECRET_KEY", "dev-only-secret-key-change-me-in-production-please")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],.localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "newsroom",
    "archive",
    "distribution",
    "analytics",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.contrib.typed_table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "newsroom.apps.NewsroomUsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtailmedia",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "channels",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "newsroom.middleware.PageCacheMiddleware",
    "newsroom.middleware.AtomicPublishingMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
ASGI_APPLICATION = "newsroom.asgi.application"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "newsroom" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.agency",
            ],
        },
    },
]

# --- Stores ---------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(ENV.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = ENV.get("REDIS_URL", "")
PAGE_CACHE_SECONDS = int(ENV.get("PAGE_CACHE_SECONDS", "0"))
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "newsroom.cache.RedisCache", "LOCATION": REDIS_URL},
        "pages": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pages",
        },
        # Readership ingest: open page views (for their engagement events), rate limits, page facts.
        "analytics": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "analytics",
        },
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": ENV.get("CHANNEL_LAYER_PREFIX", "newsroom")},
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
        # Every page view open in a reader's tab is remembered here: far more than locmem's default 300.
        "analytics": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "analytics",
            "OPTIONS": {"MAX_ENTRIES": 500_000},
        },
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# One TASKS setting drives both Wagtail's own tasks (search and reference index) and ours;
# `manage.py newsroom_worker` runs them all.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Channel credentials and API tokens are encrypted with these Fernet keys, newest first (newsroom/secrets.py).
NEWSROOM_ENCRYPTION_KEYS = env_list("NEWSROOM_ENCRYPTION_KEYS")

# The delivery outbox (distribution/outbox.py): attempts before a delivery fails, the backoff between them
# (exponential from BASE, with jitter, capped at CAP seconds), and how long a claimed delivery stays
# claimed before another worker may take it over.
DISTRIBUTION_MAX_ATTEMPTS = int(ENV.get("DISTRIBUTION_MAX_ATTEMPTS", "8"))
DISTRIBUTION_BACKOFF_BASE = float(ENV.get("DISTRIBUTION_BACKOFF_BASE", "10"))
DISTRIBUTION_BACKOFF_CAP = float(ENV.get("DISTRIBUTION_BACKOFF_CAP", "3600"))
DISTRIBUTION_LEASE_SECONDS = int(ENV.get("DISTRIBUTION_LEASE_SECONDS", "300"))
# Loops `manage.py newsroom_worker` runs beside the task queue, each given a threading.Event that stops it.
NEWSROOM_WORKER_LOOPS = ["distribution.worker.run", "archive.tus.cleanup.run", "analytics.worker.run"]
# Resumable uploads (archive/tus): bytes of unfinished uploads one person may hold, and how long an upload
# nobody sends to is kept before the worker deletes it with its bytes.
ARCHIVE_TUS_USER_QUOTA_BYTES = int(ENV.get("ARCHIVE_TUS_USER_QUOTA_BYTES", str(10 * 1024**3)))
ARCHIVE_TUS_EXPIRY_SECONDS = int(ENV.get("ARCHIVE_TUS_EXPIRY_SECONDS", str(24 * 3600)))
# Readership analytics (analytics/): the event store's backend; with Redis, ingest buffers events there and
# the worker inserts them in batches. Raw events and hourly rollups are deleted after their retention; daily
# rollups are kept (0: for ever). Each client may send so many events a minute.
ANALYTICS_EVENT_STORE = ENV.get("ANALYTICS_EVENT_STORE", "analytics.store.DatabaseEventStore")
ANALYTICS_BUFFER_URL = ENV.get("ANALYTICS_BUFFER_URL", REDIS_URL)
ANALYTICS_BUFFER_KEY = ENV.get("ANALYTICS_BUFFER_KEY", "analytics:events")
ANALYTICS_RAW_RETENTION_DAYS = int(ENV.get("ANALYTICS_RAW_RETENTION_DAYS", "90"))
ANALYTICS_HOURLY_RETENTION_DAYS = int(ENV.get("ANALYTICS_HOURLY_RETENTION_DAYS", "35"))
ANALYTICS_DAILY_RETENTION_DAYS = int(ENV.get("ANALYTICS_DAILY_RETENTION_DAYS", "0"))
ANALYTICS_RATE_LIMIT_PER_MINUTE = int(ENV.get("ANALYTICS_RATE_LIMIT_PER_MINUTE", "120"))
# How often the readership panel's real-time box is brought up to date over its websocket.
ANALYTICS_REALTIME_SECONDS = float(ENV.get("ANALYTICS_REALTIME_SECONDS", "5"))
# Behind a reverse proxy, the client's address is the last one it appended to X-Forwarded-For.
ANALYTICS_TRUST_X_FORWARDED_FOR = env_bool("ANALYTICS_TRUST_X_FORWARDED_FOR", False)
# A WebSub hub (https://www.w3.org/TR/websub/) pinged with the feeds' URLs when a story is published.
WEBSUB_HUB_URL = ENV.get("WEBSUB_HUB_URL", "")

ELASTICSEARCH_URL = ENV.get("ELASTICSEARCH_URL", "")
if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX": ENV.get("ELASTICSEARCH_INDEX", "newsroom"),
            "TIMEOUT": 10,
        }
    }
else:
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

MEDIA_ROOT = Path(ENV.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(ENV.get("STATIC_ROOT", BASE_DIR / "static"))
STATIC_URL = "/static/"

S3_BUCKET = ENV.get("S3_BUCKET", "")
if S3_BUCKET:
    _s3_options = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": ENV.get("S3_ENDPOINT_URL") or None,
        "access_key": ENV.get("S3_ACCESS_KEY_ID") or None,
        "secret_key": ENV.get("S3_SECRET_ACCESS_KEY") or None,
        "region_name": ENV.get("S3_REGION") or None,
        "custom_domain": ENV.get("S3_CUSTOM_DOMAIN") or None,
        "file_overwrite": False,
        "querystring_auth": env_bool("S3_QUERYSTRING_AUTH", False),
    }
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Languages ------------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = ENV.get("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

# --- Accounts -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "wagtailadmin_login"
SESSION_COOKIE_AGE = int(ENV.get("SESSION_COOKIE_AGE", str(12 * 3600)))

# --- Wagtail --------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = ENV.get("SITE_NAME", "Tòa soạn hội tụ")
WAGTAILADMIN_BASE_URL = ENV.get("BASE_URL", "http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "archive.ArchiveImage"
WAGTAILMEDIA = {"MEDIA_MODEL": "archive.ArchiveMedia"}
WAGTAIL_I18N_ENABLED = False
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "jpeg", "webp": "webp"}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "csv", "txt", "odt", "ods"]
WAGTAILEMBEDS_RESPONSIVE_HTML = True
TAGGIT_CASE_INSENSITIVE = True
# ASCII slugs: /thoi-su/hai-duong-chuyen-doi-so/ travels through every platform and messenger intact.
WAGTAIL_ALLOW_UNICODE_SLUGS = False

# Story pages per section page.
NEWSROOM_PAGE_SIZE = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": ENV.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # Every platform request at INFO drowns the log; deliveries record their own outcome.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
