import os

from .base import *  # noqa: F403
from .base import CACHES, CHANNEL_LAYERS, ENV, REDIS_URL

if REDIS_URL:
    # Parallel test processes share one Redis: keep their cache keys and channel groups apart.
    # tests/conftest.py deletes this process's cache keys after every test.
    TEST_KEY_PREFIX = f"test-{ENV.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = TEST_KEY_PREFIX
    for _alias, _cache in CACHES.items():
        _cache["KEY_PREFIX"] = f"{TEST_KEY_PREFIX}-{_alias}"
    ANALYTICS_BUFFER_KEY = f"{TEST_KEY_PREFIX}-analytics:events"

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run at once in tests, except where the worker itself is tested (those override TASKS).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WAGTAILADMIN_BASE_URL = "http://testserver"
# Static files come straight from the apps; no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Every task start and finish is logged at INFO; in test output that is noise around a failure.
LOGGING["loggers"]["django_tasks"] = {"level": "WARNING"}  # noqa: F405
