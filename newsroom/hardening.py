"""Web hardening: the Content Security Policy and the Permissions-Policy on every response.

django-csp builds and sends the policy; this module says which one a request gets:

- the public sites: scripts from our own origin only, plus a per-request nonce for an inline script (none
  today: `<script nonce="{{ request.csp_nonce }}">` adds one); no inline style, no plugins, no <base>, forms
  posting only here, framed only by ourselves; pictures, video and sound from here, the media storage (S3
  custom domain or endpoint) and NEWSROOM_CSP_MEDIA_HOSTS; players only from NEWSROOM_CSP_FRAME_HOSTS;
  the readership beacon posts to our own origin.
- the filing page, used on reporters' phones in the field: as strict as the public sites, with its
  previews of photos not yet sent (blob:) and its service worker.
- the rest of the admin: Wagtail 8's admin still writes inline <script> (InlinePanel, date and time pickers,
  wagtailmedia's upload form, the scripts of chooser modals jQuery runs) and inline styles (its vendor
  bundle, our panels' bars), so these two allow 'unsafe-inline' (tests/e2e/test_csp_browser.py shows each
  refused under the public policy); event attributes (onerror=…) stay refused, every other directive is the
  public one's, and no script can come from another origin or from eval().

Wagtail serves documents with its own `default-src 'none'`, which is kept (a header already set wins).
NEWSROOM_CSP_REPORT_ONLY sends the policy as Content-Security-Policy-Report-Only instead, to try a change on a
live site; NEWSROOM_CSP_REPORT_URI receives the browsers' reports.
"""

from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.urls import reverse

# Features no page of ours uses, refused to the page and to every frame in it (embedded players included).
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb", "serial", "midi")
# The filing page asks for the reporter's position ("Use my position"). Photos and video come through
# <input type="file" capture>, which opens the phone's camera app and needs no camera permission.
FILING_FEATURES = {"geolocation": "(self)"}


class SecurityHeadersMiddleware(CSPMiddleware):
    """Send the Content Security Policy that fits the request's path, and the Permissions-Policy.

    Place it right after Django's SecurityMiddleware, before the page cache, so cached pages get the headers
    too (the page cache never stores them).
    """

    def process_response(self, request, response):
        response = super().process_response(request, response)
        response.headers.setdefault("Permissions-Policy", permissions_policy(request.path_info))
        return response

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only != settings.NEWSROOM_CSP_REPORT_ONLY:
            # Only one of the two headers is sent: an empty policy makes django-csp leave the other out.
            parts.config, parts.update, parts.replace = {}, None, None
        elif parts.config is None:  # a view's own @csp decorator wins
            parts.config = policy_for(request)
        return parts


def policy_for(request) -> dict[str, list[str]]:
    """The directives of the policy for `request`: the admin's, the filing page's or the public sites'."""
    path = request.path_info
    if is_filing_page(path):
        policy = filing_policy()
    elif path.startswith(reverse("wagtailadmin_home")):
        policy = admin_policy()
    else:
        policy = public_policy()
    if request.is_secure():
        # A story's old http:// link to a picture loads over https rather than being blocked as mixed content.
        policy["upgrade-insecure-requests"] = True
    if settings.NEWSROOM_CSP_REPORT_URI:
        policy["report-uri"] = [settings.NEWSROOM_CSP_REPORT_URI]
    return policy


def public_policy() -> dict[str, list[str]]:
    """The public sites' policy; see the module docstring."""
    media = [SELF, "data:", "blob:", *media_hosts()]
    return {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": media,
        "media-src": media,
        "connect-src": [SELF],
        "frame-src": list(settings.NEWSROOM_CSP_FRAME_HOSTS) or [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }


def filing_policy() -> dict[str, list[str]]:
    """The filing page's policy: the public one, with its service worker and nothing to frame."""
    return {**public_policy(), "frame-src": [NONE], "worker-src": [SELF], "manifest-src": [SELF]}


def admin_policy() -> dict[str, list[str]]:
    """The admin's policy: the public one, with inline scripts and styles for Wagtail's own pages, the
    admin's previews (same-origin frames), and uploads straight to the media storage."""
    policy = public_policy()
    return {
        **policy,
        "script-src": [SELF, UNSAFE_INLINE],
        # No template of Wagtail's or ours writes event attributes: markup slipped into a page (<img onerror>)
        # stays inert even where inline <script> elements must run.
        "script-src-attr": [NONE],
        "style-src": [SELF, UNSAFE_INLINE],
        "connect-src": [SELF, *storage_hosts()],
        "frame-src": [SELF, *settings.NEWSROOM_CSP_FRAME_HOSTS],
        "worker-src": [SELF],
    }


def media_hosts() -> list[str]:
    """Origins besides ours that serve pictures, video and sound: the storage's and the configured CDN's."""
    hosts = [*storage_hosts(), *settings.NEWSROOM_CSP_MEDIA_HOSTS]
    for url in (settings.MEDIA_URL, settings.STATIC_URL):
        origin = _origin(url)
        if origin:
            hosts.append(origin)
    return list(dict.fromkeys(hosts))


def storage_hosts() -> list[str]:
    """Origins of the S3 storage (its custom domain and its endpoint, path- and host-style), if configured.

    Browsers read renditions from there and the archive's direct upload sends parts there.
    """
    options = settings.STORAGES["default"].get("OPTIONS") or {}
    bucket = options.get("bucket_name")
    if not bucket:
        return []
    hosts = []
    if options.get("custom_domain"):
        hosts.append(f"https://{options['custom_domain']}")
    endpoint = options.get("endpoint_url")
    if endpoint:
        parts = urlsplit(endpoint)
        hosts += [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{bucket}.{parts.netloc}"]
    else:
        region = options.get("region_name")
        hosts.append(f"https://{bucket}.s3.amazonaws.com")
        if region:
            hosts.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return hosts


def permissions_policy(path: str) -> str:
    """The Permissions-Policy header for a page at `path`: every feature in DENIED_FEATURES refused, except
    those the filing page needs."""
    allowed = FILING_FEATURES if is_filing_page(path) else {}
    return ", ".join(f"{feature}={allowed.get(feature, '()')}" for feature in DENIED_FEATURES)


def is_filing_page(path: str) -> bool:
    """True for the filing page and what it loads from under its address (its service worker, its API)."""
    return path.startswith(reverse("newsroom_filing:page"))


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
