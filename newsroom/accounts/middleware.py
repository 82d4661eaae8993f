"""Per request: end an expired session, and hold back a signed-in person who still owes the second factor.

Installed after django-otp's OTPMiddleware and Django's MessageMiddleware. Expiry applies everywhere (a page
is then served as to any reader); the second factor guards the admin, whose views are all staff views. Staff
endpoints outside the admin ask newsroom.accounts.two_factor.is_satisfied themselves."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from . import sessions, two_factor
from .responses import json_refusal, wants_json

# Admin views open to someone who owes the second factor: signing in and out, the code, the set-up, and the
# icons and script translations those pages load.
OPEN_VIEWS = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",
        "newsroom_accounts:verify",
        "newsroom_accounts:setup",
    }
)


class AccountsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        in_admin = request.path.startswith(reverse("wagtailadmin_home"))
        view_name = request.resolver_match.view_name
        reason = sessions.expiry(request)
        if reason is not None:
            message = sessions.end(request, reason=reason)
            if wants_json(request):
                return json_refusal(message, status=401)
            if not in_admin:
                return None  # a public page: served as to any reader
            messages.warning(request, message)
            if view_name == "wagtailadmin_login":
                return None  # the sign-in page itself, with the message
            back = _back_to(request)
            return (
                redirect_to_login(back, reverse("wagtailadmin_login"))
                if back
                else redirect("wagtailadmin_login")
            )
        sessions.touch(request, view_name)
        if in_admin and view_name not in OPEN_VIEWS and not two_factor.is_satisfied(request.user, request):
            return self.hold_back(request)
        return None

    @staticmethod
    def hold_back(request):
        """To the code page, or to the set-up for someone required who has no authenticator yet; scripts get
        JSON 403."""
        if wants_json(request):
            return json_refusal(two_factor.REFUSAL, status=403)
        step = reverse(
            "newsroom_accounts:verify"
            if two_factor.has_authenticator(request.user)
            else "newsroom_accounts:setup"
        )
        back = _back_to(request)
        return redirect(f"{step}?{urlencode({'next': back})}" if back else step)


def _back_to(request) -> str | None:
    """Where to return after signing in or the code: the page asked for; not a form's address, which answers
    only POST (the form's content is lost either way)."""
    return request.get_full_path() if request.method in ("GET", "HEAD") else None
