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
    "newsroom.accounts",
    "archive",
    "distribution",
    "analytics",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.search_promotions",
    "newsroom.frontend_cache.FrontendCacheConfig",
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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
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
    # First: every later middleware's log records and answers carry the request id, and are counted.
    "newsroom.logs.RequestLogMiddleware",
    "newsroom.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "newsroom.hardening.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The audit log: who acts from where for entries written outside views; Wagtail's site history walled.
    "newsroom.audit.middleware.AuditRequestMiddleware",
    "newsroom.walls.WalledViewsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "newsroom.accounts.middleware.AccountsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "newsroom.middleware.PageCacheMiddleware",
    "newsroom.middleware.AtomicPublishingMiddleware",
    # Last: turns a sign-in refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "newsroom.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
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

# --- Security level 3 (issue 8) -------------------------------------------------------------------
# Accounts (newsroom/accounts/): two-factor sign-in, lockout, password policy, session expiry.
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Superusers must confirm each sign-in with a code (production turns this on); each agency decides for its
# staff (Agency.require_two_factor).
TWO_FACTOR_REQUIRED_FOR_SUPERUSERS = env_bool("TWO_FACTOR_REQUIRED_FOR_SUPERUSERS", False)
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
# LOGIN_FAILURE_LIMIT failed sign-ins (passwords or codes) for one account from one address lock that account
# out from that address for LOGIN_COOLOFF_MINUTES after the last failure (newsroom/accounts/lockout.py: why).
LOGIN_FAILURE_LIMIT = int(ENV.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_COOLOFF_MINUTES = int(ENV.get("LOGIN_COOLOFF_MINUTES", "15"))
AXES_FAILURE_LIMIT = "newsroom.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "newsroom.accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "newsroom.accounts.lockout.lockout_response"
# Failures are forgotten after the second factor, not after the password alone (newsroom.accounts.lockout).
AXES_RESET_ON_SUCCESS = False
# Tries while locked out do not push the end of the lockout back: the lockout page says when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Sign-ins are in the audit log; the second factor's code is never stored with a failure.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
# A signed-in session ends after SESSION_COOKIE_AGE however busy, and after SESSION_IDLE_MINUTES without
# activity (0: never for idleness).
SESSION_IDLE_MINUTES = int(ENV.get("SESSION_IDLE_MINUTES", "60"))

# Web hardening (newsroom/hardening.py): Content Security Policy and the security headers.
# CSP_REPORT_ONLY=1 sends the policy as Content-Security-Policy-Report-Only (to try a change on a live site);
# browsers send what it refused, or would have, to CSP_REPORT_URI.
NEWSROOM_CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
NEWSROOM_CSP_REPORT_URI = ENV.get("CSP_REPORT_URI", "")
# Origins besides this one (and the S3 storage, found by itself) serving images, video and audio: a CDN.
NEWSROOM_CSP_MEDIA_HOSTS = env_list("CSP_MEDIA_HOSTS")
# The players a story may embed (Wagtail's oEmbed finders): YouTube, Facebook video, TikTok, Vimeo,
# SoundCloud and Spotify; embeds that need the provider's own script show their text and link instead.
NEWSROOM_CSP_FRAME_HOSTS = env_list(
    "CSP_FRAME_HOSTS",
    "https://www.youtube.com,https://www.youtube-nocookie.com,https://www.facebook.com,https://www.tiktok.com,"
    "https://player.vimeo.com,https://w.soundcloud.com,https://open.spotify.com",
)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Links out tell the other site which site, not which page, a reader came from; YouTube's player needs that.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# For browsers older than CSP's frame-ancestors; Wagtail's preview asks for SAMEORIGIN by itself.
X_FRAME_OPTIONS = "DENY"
# The admin talks to no third party: no Gravatar (staff e-mail hashes), no update check from staff browsers.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Documents are checked by their content (newsroom/documents.py) and always downloaded, never opened as a
# page of our origin; Wagtail serves them with nosniff and `default-src 'none'`.
WAGTAILDOCS_DOCUMENT_FORM_BASE = "newsroom.documents.DocumentForm"
WAGTAILDOCS_MAX_UPLOAD_SIZE = int(ENV.get("DOCUMENT_MAX_UPLOAD_BYTES", str(100 * 1024**2)))
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT = True

# --- Operations (issue 8) -------------------------------------------------------------------------
# Health, metrics and logs (newsroom/health.py, newsroom/metrics.py, newsroom/logs.py).
# /healthz runs its checks side by side, each given HEALTH_CHECK_TIMEOUT_SECONDS; the task worker fails its
# check when its last heartbeat is older than HEALTH_WORKER_STALE_SECONDS (it beats every 5 s) or a task
# ready to run has waited longer than HEALTH_QUEUE_LAG_SECONDS.
HEALTH_CHECK_TIMEOUT_SECONDS = float(ENV.get("HEALTH_CHECK_TIMEOUT_SECONDS", "2"))
HEALTH_WORKER_STALE_SECONDS = int(ENV.get("HEALTH_WORKER_STALE_SECONDS", "60"))
HEALTH_QUEUE_LAG_SECONDS = int(ENV.get("HEALTH_QUEUE_LAG_SECONDS", "300"))
# /metrics answers a bearer METRICS_TOKEN, or requests straight from these addresses or networks (never one
# relayed by a proxy). With several ASGI workers, each gets PROMETHEUS_MULTIPROC_DIR, a folder emptied at
# every deployment, where prometheus_client keeps every process's counts for /metrics to add up.
METRICS_TOKEN = ENV.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
PROMETHEUS_MULTIPROC_DIR = ENV.get("PROMETHEUS_MULTIPROC_DIR", "")
# Logs: "json" (one object a line, for a log shipper; production's default) or "text" (dev and tests).
LOG_FORMATS = ("text", "json")


def log_format(default: str) -> str:
    """LOG_FORMAT from the environment, else `default`; raises RuntimeError for one not in LOG_FORMATS."""
    value = ENV.get("LOG_FORMAT", default).strip().lower()
    if value not in LOG_FORMATS:
        raise RuntimeError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {value!r}.")
    return value


LOG_FORMAT = log_format("text")

# Backups (newsroom/backups/): where `manage.py backup` writes.
# A folder or s3://bucket/prefix. KEEP: backups kept after each run when --keep is not given (0: all).
# An S3 destination has its own keys and endpoint, by default those of the media bucket. pg_dump, pg_restore
# and psql come from PATH unless BACKUP_PG_BINDIR names their folder (e.g. /usr/lib/postgresql/16/bin).
BACKUP_DESTINATION = ENV.get("BACKUP_DESTINATION", "/var/backups/newsroom")
BACKUP_KEEP = int(ENV.get("BACKUP_KEEP", "0"))
BACKUP_S3_ENDPOINT_URL = ENV.get("BACKUP_S3_ENDPOINT_URL") or ENV.get("S3_ENDPOINT_URL", "")
BACKUP_S3_ACCESS_KEY_ID = ENV.get("BACKUP_S3_ACCESS_KEY_ID") or ENV.get("S3_ACCESS_KEY_ID", "")
BACKUP_S3_SECRET_ACCESS_KEY = ENV.get("BACKUP_S3_SECRET_ACCESS_KEY") or ENV.get("S3_SECRET_ACCESS_KEY", "")
BACKUP_S3_REGION = ENV.get("BACKUP_S3_REGION") or ENV.get("S3_REGION", "")
BACKUP_PG_BINDIR = ENV.get("BACKUP_PG_BINDIR", "")

# The CDN in front of the public sites, purged through Wagtail's frontend cache.
# An HTTP cache (Varnish) is sent `PURGE <path>` with the site's Host; Cloudflare zones and CloudFront
# distributions are purged through their APIs, each "ID" (every site) or "HOST=ID" with HOST a pattern as in
# ALLOWED_HOSTS (".baohaiduong.vn": the domain and its subdomains). CloudFront's credentials come from boto3's
# usual chain (AWS_* variables, the machine's role). None set: nothing is purged (newsroom/frontend_cache.py).
WAGTAILFRONTENDCACHE = {}
if ENV.get("CDN_PURGE_URL"):
    WAGTAILFRONTENDCACHE["http"] = {
        "BACKEND": "newsroom.frontend_cache.HTTPPurgeBackend",
        "LOCATION": ENV["CDN_PURGE_URL"],
    }
for _number, _entry in enumerate(env_list("CDN_CLOUDFLARE_ZONES")):
    _hosts, _, _zone = _entry.rpartition("=")
    WAGTAILFRONTENDCACHE[f"cloudflare-{_number}"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "BEARER_TOKEN": ENV.get("CDN_CLOUDFLARE_API_TOKEN", ""),
        "ZONEID": _zone,
        "HOSTNAMES": [_hosts or "*"],
    }
for _number, _entry in enumerate(env_list("CDN_CLOUDFRONT_DISTRIBUTIONS")):
    _hosts, _, _distribution = _entry.rpartition("=")
    WAGTAILFRONTENDCACHE[f"cloudfront-{_number}"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudfrontBackend",
        "DISTRIBUTION_ID": _distribution,
        "HOSTNAMES": [_hosts or "*"],
    }

# Every record carries the id of the request it was written for (newsroom/logs.py); LOG_FORMAT picks the
# formatter ("json": one object a line, a failure's traceback in its "exception" field).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "newsroom.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "newsroom.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request"]},
    },
    "root": {"handlers": ["console"], "level": ENV.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # Every platform request at INFO drowns the log; deliveries record their own outcome.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; the audit log keeps them.
        "axes": {"level": "WARNING"},
    },
}
