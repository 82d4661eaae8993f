"""The agency's stories for partners: an IPTC ninjs API (a paginated list and one story) and NewsML-G2 export.

Read-only, anonymous and CORS-open: only live public stories of the agency whose site answers are served, and
a partner's browser code may read them from any origin. `?version=2.2|3.1` picks the ninjs version (2.2 by
default). The list gives partial documents (no body); one story gives the full document as published.
"""

from __future__ import annotations

from functools import wraps

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..content import story_content
from ..newsml import CONTENT_TYPE as NEWSML_TYPE
from ..newsml import newsml_document
from ..ninjs import DEFAULT_VERSION, VERSIONS, ninjs_document
from .conditional import API_MAX_AGE, conditional, request_scope
from .selectors import Freshness, etag_of, for_feed, freshness, listed_content, published_stories

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
JSON_TYPE = "application/json; charset=utf-8"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


class BadRequest(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"status": status, "message": message}},
        status=status,
        content_type=JSON_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def api_view(view):
    """CORS on every answer, an answer to preflight requests, and errors as JSON rather than HTML pages."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            for name, value in PREFLIGHT_HEADERS.items():
                response[name] = value
            return response
        try:
            response = view(request, *args, **kwargs)
        except Http404 as missing:
            response = error(404, str(missing) or _("There is no such story."))
        except BadRequest as refused:
            response = error(400, refused.message)
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response

    return wrapped


def requested_version(request) -> str:
    version = request.GET.get("version", DEFAULT_VERSION)
    if version not in VERSIONS:
        raise BadRequest(
            _("Unknown ninjs version “%(version)s”: use one of %(versions)s.")
            % {"version": version[:20], "versions": ", ".join(VERSIONS)}
        )
    return version


def _list_freshness(request, **kwargs):
    return freshness(request, request_scope(request))


@api_view
@conditional(_list_freshness, max_age=API_MAX_AGE)
def ninjs_stories(request):
    """The agency's latest stories, newest first: `?page=`, `?page_size=` (at most 100), `?version=`."""
    version = requested_version(request)
    scope = request_scope(request)
    try:
        size = min(max(int(request.GET.get("page_size", PAGE_SIZE)), 1), MAX_PAGE_SIZE)
    except ValueError:
        size = PAGE_SIZE
    paginator = Paginator(for_feed(published_stories(scope)), size)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger as wrong:
        raise BadRequest(_("The page must be a whole number.")) from wrong
    except EmptyPage as beyond:
        raise Http404(_("There is no such page.")) from beyond

    def page_url(number: int) -> str:
        query = {key: value for key, value in request.GET.items() if key != "page"}
        query["page"] = number
        return f"{scope.root_url}{request.path}?{urlencode(query)}"

    items = [
        ninjs_document(listed_content(story, scope=scope, request=request), version=version, partial=True)
        for story in page.object_list
    ]
    body = {
        "version": version,
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "next": page_url(page.next_page_number()) if page.has_next() else None,
        "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
        "items": items,
    }
    response = JsonResponse(body, content_type=JSON_TYPE, json_dumps_params={"ensure_ascii": False})
    links = [
        f'<{body[key]}>; rel="{rel}"' for key, rel in (("next", "next"), ("previous", "prev")) if body[key]
    ]
    if links:
        response["Link"] = ", ".join(links)
    return response


def _published_story(request, story_id: int):
    return published_stories(request_scope(request)).filter(pk=story_id).first()


def _story_freshness(request, story_id: int, **kwargs) -> Freshness | None:
    found = (
        published_stories(request_scope(request))
        .filter(pk=story_id)
        .values_list("last_published_at", "live_revision_id")
        .first()
    )
    if found is None:
        return None
    published, revision = found
    return Freshness(last_modified=published, etag=etag_of(request, revision, published))


@api_view
@conditional(_story_freshness, max_age=API_MAX_AGE)
def ninjs_story(request, story_id: int):
    """One live story as a full ninjs document (`?version=2.2|3.1`)."""
    version = requested_version(request)
    story = _published_story(request, story_id)
    if story is None:
        raise Http404(_("There is no such story."))
    document = ninjs_document(story_content(story), version=version)
    return JsonResponse(document, content_type=JSON_TYPE, json_dumps_params={"ensure_ascii": False})


@api_view
@conditional(_story_freshness, max_age=API_MAX_AGE)
def newsml_story(request, story_id: int):
    """One live story as a NewsML-G2 newsItem."""
    story = _published_story(request, story_id)
    if story is None:
        raise Http404(_("There is no such story."))
    return HttpResponse(newsml_document(story_content(story)), content_type=f"{NEWSML_TYPE}; charset=utf-8")
