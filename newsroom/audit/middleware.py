"""What the audit log needs from each request.

AuditRequestMiddleware lets entries written far from the view (permission changes, deliveries) say who acted
and from where, and runs Wagtail's group editor in one transaction so that a group's permission change is one
entry. (Wagtail's site history report is answered from newsroom.audit.site_history by
newsroom.walls.WalledViewsMiddleware.)
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
