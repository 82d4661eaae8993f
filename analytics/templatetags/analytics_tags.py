"""The readership beacon on the public pages: `{% load analytics_tags %}{% readership_beacon %}`."""

from django import template
from wagtail.models import Page

from ..ingest import page_token

register = template.Library()


@register.inclusion_tag("analytics/beacon.html", takes_context=True)
def readership_beacon(context) -> dict:
    """The beacon's <script> for a live page of the agency serving the request; nothing anywhere else.

    Nothing on Wagtail previews, the admin, error pages or a page outside the agency's tree. What it renders
    depends on the page alone, never on the reader, so the public page cache may keep it.
    """
    beacon = beacon_for(
        request=context.get("request"), page=context.get("page"), agency=context.get("current_agency")
    )
    return {"beacon": beacon, **(beacon or {})}


def beacon_for(*, request, page, agency) -> dict | None:
    """The beacon's settings ({"page_id", "token"}) for `page` on `agency`'s site; None if it has none."""
    if request is None or getattr(request, "is_preview", False) or request.path.startswith("/admin/"):
        return None
    if agency is None or not isinstance(page, Page) or not page.pk or not page.live:
        return None
    root = agency.root_page
    if not page.path.startswith(root.path):
        return None
    return {"page_id": page.pk, "token": page_token(agency.pk, page.pk)}
