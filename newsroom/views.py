from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from .board import agency_board
from .models import Agency
from .overview import agency_overview, overseen_agencies, totals
from .permissions import assignment_policy


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


def _board_agency(request) -> tuple[list[Agency], Agency]:
    """The agencies the user works for and the one asked for (`?agency=`, else the first).

    Raises PermissionDenied for someone who works for none, Http404 for an agency not theirs.
    """
    agencies = list(Agency.objects.for_user(request.user).order_by("name"))
    if not agencies:
        raise PermissionDenied
    wanted = request.GET.get("agency")
    if not wanted:
        return agencies, agencies[0]
    for agency in agencies:
        if str(agency.pk) == wanted:
            return agencies, agency
    raise Http404


def _board_context(request, agency: Agency) -> dict:
    return {
        "board": agency_board(agency=agency),
        "can_edit_assignments": assignment_policy.agencies_for(request.user, ["change"])
        .filter(pk=agency.pk)
        .exists(),
    }


def board(request):
    """The newsroom board of one of the user's agencies; it keeps itself up to date over the websocket."""
    agencies, agency = _board_agency(request)
    return render(
        request,
        "newsroom/board/board.html",
        {
            **_board_context(request, agency),
            "agencies": agencies,
            "agency": agency,
            "page_title": _("Newsroom board"),
            "live_labels": {
                "connecting": _("Connecting…"),
                "live": _("Live"),
                "reconnecting": _("Reconnecting…"),
                "offline": _("Not live: reload the page"),
            },
        },
    )


def board_columns(request):
    """The board's assignments and columns alone, as an HTML fragment the board page swaps in."""
    _agencies, agency = _board_agency(request)
    return render(request, "newsroom/board/columns.html", _board_context(request, agency))
