from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from .overview import agency_overview, overseen_agencies, totals


def overview(request):
    """The agencies a user works for or oversees, with their newsroom figures and the total."""
    agencies = overseen_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    rows = agency_overview(agencies=agencies)
    return render(
        request,
        "newsroom/admin/overview.html",
        {
            "rows": rows,
            "totals": totals(rows),
            "page_title": _("Agencies overview"),
            "show_total": len(rows) > 1,
        },
    )
