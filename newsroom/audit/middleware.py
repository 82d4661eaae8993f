"""What the audit log needs from each request.

AuditRequestMiddleware lets entries written far from the view (permission changes, deliveries) say who acted
and from where, and runs Wagtail's group editor in one transaction so that a group's permission change is one
entry. WalledSiteHistoryMiddleware answers Wagtail's site history report, for everyone but superusers, from
the walled report of newsroom.audit.site_history: Wagtail's own lists every agency's log entries of any
model the user holds some permission on.
"""

from functools import cache

from django.db import transaction
from django.urls import reverse

from .context import reset_current_request, set_current_request


class AuditRequestMiddleware:
    """Put after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current_request(request)
        try:
            if request.method == "POST" and request.path.startswith(_group_editor_prefix()):
                # Wagtail saves the group, then its page and collection permissions outside the group's
                # own transaction: one transaction makes the before and after of the whole edit.
                with transaction.atomic():
                    return self.get_response(request)
            return self.get_response(request)
        finally:
            reset_current_request(token)


@cache
def _group_editor_prefix() -> str:
    return reverse("wagtailusers_groups:index")


SITE_HISTORY_VIEWS = {
    "wagtailadmin_reports:site_history": False,
    "wagtailadmin_reports:site_history_results": True,
}


class WalledSiteHistoryMiddleware:
    """Put after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        results_only = SITE_HISTORY_VIEWS.get(match.view_name) if match is not None else None
        user = getattr(request, "user", None)
        if results_only is None or user is None or not user.is_authenticated or user.is_superuser:
            return None  # Wagtail's own view: its login redirect, and everything for superusers
        from .site_history import walled_view

        return walled_view(results_only)(request, *view_args, **view_kwargs)
