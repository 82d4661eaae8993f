"""The reporter's filing view: one light page for phones, and the small JSON API it talks to.

All URLs live under /admin/filing/ (Wagtail's admin login and `wagtailadmin.access_admin` apply; send
`X-Requested-With: XMLHttpRequest` so that a lapsed session answers 403 rather than a login redirect,
and `X-CSRFToken` on POST). Every error answer is `{"error": "<translated message>", "fields": {name:
["<translated message>", …]}}` with the status of newsroom.filing.services' error.

GET  /admin/filing/                  the page (URL name "newsroom_filing:page")
GET  /admin/filing/sw.js             its service worker, scoped to /admin/filing/
GET  /admin/filing/api/desk/         {"sections": [Section], "assignments": [Assignment], "drafts": [Summary]}
POST /admin/filing/api/stories/      create, or update by filing id: Draft → 201 or 200 {"story", "saved"}
GET  /admin/filing/api/stories/<id>/          → {"story": Story}
POST /admin/filing/api/stories/<id>/          update: Draft → 200 {"story": Story, "saved": bool}
POST /admin/filing/api/stories/<id>/submit/   save Draft (optional), send to the desk → 200 {"story": Story}

Draft (what the page sends):
    {"filing_id": uuid, "base_revision": int|null, "assignment": int|null, "section": int,
     "title": str, "sapo": str, "text": str (blank line = new paragraph),
     "assets": [{"id": int, "kind": "image"|"video"|"audio", "caption": str, "credit"?: str}],
     "location": str, "latitude": float|null, "longitude": float|null, "desk_note": str}
Story (the server's version; its latest revision):
    {"id", "filing_id", "revision", "section", "section_title", "assignment", "title", "sapo", "text",
     "assets": [{"id", "kind", "caption", "credit", "title", "thumbnail"}], "location", "latitude",
     "longitude", "desk_note", "status": "draft"|"needs_changes"|"in_review"|"scheduled"|"live",
     "status_label", "representable", "editable", "changed_by", "changed_by_id", "changed_at", "edit_url"}
Summary: {"id", "filing_id", "revision", "title", "section_title", "status", "status_label", "changed_at",
    "edit_url"}
Section: {"id", "title", "agency", "agency_name"}
Assignment: {"id", "title", "brief", "deadline", "overdue", "section", "story", "assigned_by"}

409 (the story changed since base_revision; nothing was written) adds `"story": Story`, the server's
version, so the page can show both. 423: the story is with the desk, published, or laid out in the
full editor. 404: not the user's story, section or assignment (another agency's staff get this too).
"""

import json

from django.conf import settings
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import DraftForm
from .texts import page_texts

# The files the service worker keeps so that the page opens without a connection.
SHELL_STATIC = (
    "newsroom/filing/filing.css",
    "newsroom/filing/filing.js",
    "newsroom/filing/store.js",
    "newsroom/filing/sync.js",
    "newsroom/filing/uploads.js",
    "newsroom/filing/editor.js",
    "archive/vendor/tus.min.js",
)


@require_GET
def filing_page(request):
    """The filing page, with what it lists embedded so that it also works when opened offline."""
    config = {
        "user": request.user.pk,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_token": get_token(request),
        "urls": {
            "desk": reverse("newsroom_filing:desk"),
            "file": reverse("newsroom_filing:file"),
            "story": reverse("newsroom_filing:story", args=[0]),
            "submit": reverse("newsroom_filing:submit", args=[0]),
            "tus": "/archive/tus/",
            "service_worker": reverse("newsroom_filing:service_worker"),
            "scope": reverse("newsroom_filing:page"),
            "admin": reverse("wagtailadmin_home"),
        },
    }
    context = {"desk": selectors.desk_payload(request.user), "texts": page_texts(), "config": config}
    response = render(request, "newsroom/filing/page.html", context)
    response["Cache-Control"] = "no-cache, private"
    return response


@require_GET
def service_worker(request):
    """The service worker; served from here so that its scope may cover the filing page."""
    shell = [reverse("newsroom_filing:page"), *(static(name) for name in SHELL_STATIC)]
    response = render(
        request,
        "newsroom/filing/sw.js",
        {"shell": json.dumps(shell), "scope": reverse("newsroom_filing:page")},
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("newsroom_filing:page")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def desk(request):
    return JsonResponse(selectors.desk_payload(request.user))


@require_POST
def file_draft(request):
    form = _draft_form(request)
    if isinstance(form, JsonResponse):
        return form
    return _answer(lambda: services.file_story(user=request.user, data=form.filing_data()))


@require_http_methods(["GET", "POST"])
def story(request, story_id: int):
    if request.method == "GET":
        found = selectors.own_stories(request.user).filter(pk=story_id).first()
        if found is None:
            return _error(services.StoryNotFound(_("There is no such story among yours.")))
        return JsonResponse({"story": selectors.story_payload(found)})
    form = _draft_form(request)
    if isinstance(form, JsonResponse):
        return form
    return _answer(
        lambda: services.update_story(user=request.user, story_id=story_id, data=form.filing_data())
    )


@require_POST
def submit(request, story_id: int):
    payload = _payload(request)
    if isinstance(payload, JsonResponse):
        return payload
    data = None
    if payload:  # an empty body or {} sends the story as the server has it
        form = _draft_form(request, payload)
        if isinstance(form, JsonResponse):
            return form
        data = form.filing_data()
    return _answer(lambda: services.submit_story(user=request.user, story_id=story_id, data=data))


def _payload(request) -> dict | JsonResponse:
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return JsonResponse({"error": _("The request could not be read."), "fields": {}}, status=400)
    return payload


def _draft_form(request, payload: dict | None = None) -> DraftForm | JsonResponse:
    if payload is None:
        payload = _payload(request)
        if isinstance(payload, JsonResponse):
            return payload
    form = DraftForm(data=payload)
    if not form.is_valid():
        return JsonResponse(form.error_payload(), status=400)
    return form


def _answer(call) -> JsonResponse:
    try:
        result = call()
    except services.FilingError as error:
        return _error(error)
    body = {"story": selectors.story_payload(result.story), "saved": result.saved}
    return JsonResponse(body, status=201 if result.created else 200)


def _error(error: services.FilingError) -> JsonResponse:
    body = {"error": error.message, "fields": error.fields}
    if isinstance(error, services.FilingConflict):
        body["story"] = selectors.story_payload(error.story)
    return JsonResponse(body, status=error.status)
