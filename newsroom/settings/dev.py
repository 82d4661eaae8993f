from .base import *  # noqa: F403
from .base import BASE_DIR, ENV

DEBUG = ENV.get("DEBUG", "1") not in {"0", "false", "False"}
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Serve static files straight from the apps while developing.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# `make run` backs up next to the code (git-ignored).
BACKUP_DESTINATION = ENV.get("BACKUP_DESTINATION", str(BASE_DIR / "backups"))
