from .base import *  # noqa: F403
from .base import ENV, LOGGING, env_bool, log_format

DEBUG = False
if SECRET_KEY.startswith("dev-only"):  # noqa: F405
    raise RuntimeError("Set SECRET_KEY in the environment for production.")
# The reverse proxy terminates TLS and says so in X-Forwarded-Proto; plain HTTP is redirected to HTTPS,
# except the load balancer's and Prometheus's own requests, which reach the process directly.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Superusers confirm every sign-in with a code unless TWO_FACTOR_REQUIRED_FOR_SUPERUSERS=0.
TWO_FACTOR_REQUIRED_FOR_SUPERUSERS = env_bool("TWO_FACTOR_REQUIRED_FOR_SUPERUSERS", True)
# HSTS for a year, subdomains included. `preload` only marks the header as fit for the browsers' preload list;
# submitting a domain (hstspreload.org) stays a deliberate step of its owner. SECURE_HSTS_PRELOAD=0 drops it.
SECURE_HSTS_SECONDS = int(ENV.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Production logs go to a log shipper: one JSON object a line unless LOG_FORMAT says otherwise.
LOG_FORMAT = log_format("json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
