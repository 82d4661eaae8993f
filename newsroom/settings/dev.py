from .base import *  # noqa: F403
from .base import ENV

DEBUG = ENV.get("DEBUG", "1") not in {"0", "false", "False"}
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Serve static files straight from the apps while developing.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
