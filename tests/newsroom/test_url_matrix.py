"""Every URL the resolver knows × every role: who may reach it, as one declarative table.

RULES (and WAGTAIL_GROUPS, for Wagtail's own settings screens) says for each URL name who reaches it, and
test_every_url_is_classified fails, naming them, while a URL exists that the table does not classify: a new
admin URL does not ship before someone decides who may open it.

- test_roles_reach_what_the_table_says asks every URL as each role of agency A, as an officer of a body
  overseeing A, as a superuser and as nobody: GET and, where the view takes a form, an empty POST;
- test_nothing_of_another_agency_reaches_a_role asks every URL that names an object again, with agency B's
  objects: A's people are refused, and no answer names anything of B's;
- test_bulk_actions_on_another_agencys_objects does the same for every bulk action in Wagtail's registry.

Wagtail refuses inside the admin with a redirect to the dashboard and "Sorry, you do not have permission…",
or 403/404; it sends the anonymous to the admin login. Each request runs in a savepoint rolled back at once,
so a POST that deletes or unpublishes changes nothing for the next one. KNOWN_BUGS lists what the matrix
found and is not fixed yet.
"""

import base64
import json
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from wagtail.admin.models import EditingSession
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.search_promotions.models import Query
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import CollectionViewRestriction, PageViewRestriction, UploadedFile
from wagtailmedia.models import get_media_model

from analytics.maturity.loader import load_framework
from analytics.models import (
    ApiToken,
    RevenueEntry,
    RevenueImport,
    SecurityDeclaration,
    StrategyTarget,
    TrainingRecord,
)
from archive.models import Licence, ResumableUpload, Sharing
from distribution.models import Channel, Delivery
from newsroom.models import Assignment, Role, StoryPage
from newsroom.services import create_oversight_body
from tests.factories import make_agency, make_author, make_image, make_story, make_user, section_of

# --- who ------------------------------------------------------------------------------------------------
ANONYMOUS, OVERSIGHT, SUPERUSER = "anonymous", "oversight", "superuser"
REPORTER, EDITOR, CHIEF, MANAGER = Role.REPORTER, Role.EDITOR, Role.EDITOR_IN_CHIEF, Role.MANAGER
ROLES = [ANONYMOUS, REPORTER, EDITOR, CHIEF, MANAGER, OVERSIGHT, SUPERUSER]

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
STAFF = frozenset({REPORTER, EDITOR, CHIEF, MANAGER, SUPERUSER})  # works for an agency
NEWSROOM = frozenset({REPORTER, EDITOR, CHIEF, SUPERUSER})  # page and asset rights (newsroom.roles)
DESK = frozenset({EDITOR, CHIEF, SUPERUSER})
PUBLISHERS = frozenset({CHIEF, SUPERUSER})
DESK_AND_MANAGER = DESK | {MANAGER}
MANAGERS = frozenset({MANAGER, SUPERUSER})
READERS = MANAGERS | {OVERSIGHT}  # the manager keeps the records, the oversight body reads them
ONLY_SUPERUSER = frozenset({SUPERUSER})
NOBODY = frozenset()

SECRET = "bimatmatranb"  # in every title of agency B's objects
PEOPLE = "nguoimatranb"  # in the names of agency B's staff
FRAMEWORK = (
    Path(__file__).resolve().parents[2] / "analytics" / "maturity" / "frameworks" / "1827-qd-btttt.json"
)


@dataclass(frozen=True)
class Rule:
    """Who reaches a URL, and how to ask it.

    `post`: also POST (an empty body, or `data(n)`: a dict, or a str sent as JSON) and expect the same;
    `headers`: request headers (or a function of the newsroom that gives them);
    `get=False`: a POST-only address (its GET answers 405 to everyone and is not asked);
    `post_who`: who the POST lets through, when not `who`; `reached`: statuses that mean the view was
    reached (a JSON refusal of the empty input) besides 2xx and 3xx, `refusals`: statuses that mean it
    was not, besides 401, 403, 404 and Wagtail's redirect to the dashboard; `foreign`: with another agency's
    objects the URL must be "denied", or may answer but must keep them "hidden".
    """

    who: frozenset
    post: bool = False
    get: bool = True
    data: object = None
    post_who: frozenset | None = None
    reached: frozenset = frozenset()
    refusals: frozenset = frozenset()
    method: str = "get"
    query: str = ""
    headers: object = field(default_factory=dict)
    foreign: str = "denied"
    raises: bool = False  # the view fails on purpose (Wagtail's error test page)
    logs_out: bool = False


def rule(who, **options) -> Rule:
    for name in ("reached", "refusals"):
        if name in options:
            options[name] = frozenset(options[name])
    return Rule(frozenset(who), **options)


def _json(payload):
    return lambda n: json.dumps(payload(n))


# --- the table ------------------------------------------------------------------------------------------
# Wagtail's settings screens: administrators only (no role in newsroom.roles holds their permissions).
WAGTAIL_GROUPS = {
    "wagtailadmin_collections": rule(ONLY_SUPERUSER, post=True),
    "wagtailadmin_workflows": rule(ONLY_SUPERUSER, post=True),
    "wagtailredirects": rule(ONLY_SUPERUSER, post=True),
    "wagtailsearchpromotions": rule(ONLY_SUPERUSER, post=True),
    "wagtailsites": rule(ONLY_SUPERUSER, post=True),
    "wagtailusers_groups": rule(ONLY_SUPERUSER, post=True),
}
LISTING = {"foreign": "hidden"}  # a listing or chooser: answers, shows only the user's agencies
RULES = {
    # Wagtail's admin: dashboard, pages (newsroom.roles.PAGE_PERMISSIONS on each agency's home page)
    "wagtailadmin_home": rule(SIGNED_IN),
    "route:admin/test404/": rule(SIGNED_IN),
    "route:admin/^.*/$": rule(NOBODY),
    "wagtailadmin_error_test": rule(SIGNED_IN, raises=True),
    "wagtailadmin_api:pages:listing": rule(SIGNED_IN, **LISTING),
    "wagtailadmin_api:pages:detail": rule(NEWSROOM),
    "wagtailadmin_api:pages:find": rule(NEWSROOM, query="?id={draft}"),
    "wagtailadmin_api:pages:action": rule(PUBLISHERS, get=False, post=True),
    "wagtailadmin_api:documents:listing": rule(SIGNED_IN, **LISTING),
    "wagtailadmin_api:documents:detail": rule(STAFF),
    "wagtailadmin_api:documents:find": rule(STAFF, query="?id={document}"),
    "wagtailadmin_api:images:listing": rule(SIGNED_IN, **LISTING),
    "wagtailadmin_api:images:detail": rule(STAFF),
    "wagtailadmin_api:images:find": rule(STAFF, query="?id={image}"),
    "wagtailadmin_explore_root": rule(NEWSROOM),
    # Another agency's page sends the user back to their own agency's home page.
    "wagtailadmin_explore": rule(NEWSROOM, foreign="hidden"),
    "wagtailadmin_explore_results": rule(NEWSROOM, foreign="hidden"),
    # Answers anyone; acts on (and may only name) the chosen objects the user has rights on.
    "wagtail_bulk_action": rule(SIGNED_IN, query="?id={draft}", post=True, foreign="hidden"),
    # Adding, editing, copying and reverting post a StreamField body whose formset an empty POST lacks.
    "wagtailadmin_pages:add": rule(NEWSROOM),
    "wagtailadmin_pages:preview_on_add": rule(NEWSROOM, post=True),
    "wagtailadmin_pages:type_use": rule(NEWSROOM, **LISTING),
    "wagtailadmin_pages:type_use_results": rule(NEWSROOM, **LISTING),
    # Lists only the parents the user may add under.
    "wagtailadmin_pages:choose_parent": rule(SIGNED_IN, post=True, **LISTING),
    "wagtailadmin_pages:usage": rule(NEWSROOM),
    "wagtailadmin_pages:edit": rule(NEWSROOM),
    "wagtailadmin_pages:preview_on_edit": rule(NEWSROOM, post=True),
    "wagtailadmin_pages:view_draft": rule(NEWSROOM),
    "wagtailadmin_pages:add_subpage": rule(NEWSROOM),
    "wagtailadmin_pages:delete": rule(NEWSROOM, post=True),  # a reporter deletes their own draft
    "wagtailadmin_pages:unpublish": rule(PUBLISHERS, post=True),
    "wagtailadmin_pages:convert_alias": rule(DESK, post=True),
    "wagtailadmin_pages:search": rule(NEWSROOM, **LISTING),
    "wagtailadmin_pages:search_results": rule(NEWSROOM, **LISTING),
    "wagtailadmin_pages:move": rule(NEWSROOM),
    "wagtailadmin_pages:move_confirm": rule(NEWSROOM, post=True),
    "wagtailadmin_pages:set_page_position": rule(PUBLISHERS, get=False, post=True),
    "wagtailadmin_pages:copy": rule(NEWSROOM),
    # The first step of the default workflow is the editors' (newsroom.roles.WORKFLOW_STEPS).
    "wagtailadmin_pages:workflow_action": rule({EDITOR, SUPERUSER}, post=True),
    "wagtailadmin_pages:collect_workflow_action_data": rule({EDITOR, SUPERUSER}, post=True),
    # Wagtail asks no permission here: it tells whoever asks which step a page is at (no title).
    "wagtailadmin_pages:confirm_workflow_cancellation": rule(SIGNED_IN, foreign="hidden"),
    "wagtailadmin_pages:workflow_preview": rule({EDITOR, SUPERUSER}),
    "wagtailadmin_pages:set_privacy": rule(PUBLISHERS, post=True),
    "wagtailadmin_pages:lock": rule(DESK, get=False, post=True),
    "wagtailadmin_pages:unlock": rule(DESK, get=False, post=True),
    # Redirects everyone to the page's history, which is walled.
    "wagtailadmin_pages:revisions_index": rule(SIGNED_IN, foreign="hidden"),
    "wagtailadmin_pages:revisions_view": rule(NEWSROOM),
    "wagtailadmin_pages:revisions_revert": rule(NEWSROOM),
    "wagtailadmin_pages:revisions_unschedule": rule(PUBLISHERS, post=True),
    "wagtailadmin_pages:revisions_compare": rule(NEWSROOM),
    "wagtailadmin_pages:workflow_history": rule(NEWSROOM),
    "wagtailadmin_pages:workflow_history_detail": rule(NEWSROOM),
    "wagtailadmin_pages:history": rule(NEWSROOM),
    "wagtailadmin_pages:history_results": rule(NEWSROOM),
    # Choosers: the page chooser is limited to the user's agencies by newsroom.wagtail_hooks.
    "wagtailadmin_choose_page": rule(SIGNED_IN, **LISTING),
    "wagtailadmin_choose_page_child": rule(SIGNED_IN, **LISTING),
    "wagtailadmin_choose_page_search": rule(SIGNED_IN, query="?q=" + SECRET, **LISTING),
    "wagtailadmin_choose_page_chosen_multiple": rule(SIGNED_IN, query="?id={draft}", **LISTING),
    "wagtailadmin_choose_page_external_link": rule(SIGNED_IN),  # its POST needs the URL field
    "wagtailadmin_choose_page_email_link": rule(SIGNED_IN, post=True),
    "wagtailadmin_choose_page_phone_link": rule(SIGNED_IN, post=True),
    "wagtailadmin_choose_page_anchor_link": rule(SIGNED_IN, post=True),
    "wagtailadmin_tag_autocomplete": rule(SIGNED_IN),
    "wagtailadmin_tag_model_autocomplete": rule(SIGNED_IN),
    "wagtailadmin_collections:delete": rule(ONLY_SUPERUSER),  # an agency's collection holds its assets
    # Wagtail's task chooser lists every workflow task to any admin user; only administrators create one.
    "wagtailadmin_workflows:task_chooser": rule(SIGNED_IN),
    "wagtailadmin_workflows:task_chooser_results": rule(SIGNED_IN),
    "wagtailadmin_workflows:task_chooser_create": rule(
        SIGNED_IN, post=True, post_who=ONLY_SUPERUSER, refusals={400}
    ),
    "wagtailadmin_workflows:enable": rule(ONLY_SUPERUSER, get=False, post=True),
    "wagtailadmin_workflows:enable_task": rule(ONLY_SUPERUSER, get=False, post=True),
    "wagtailadmin_workflows:remove": rule(ONLY_SUPERUSER, get=False, post=True),
    "wagtailadmin_workflows:task_chosen": rule(SIGNED_IN, foreign="hidden"),
    "wagtailadmin_reports:locked_pages": rule(DESK, **LISTING),
    "wagtailadmin_reports:locked_pages_results": rule(DESK, **LISTING),
    "wagtailadmin_reports:workflow": rule(NEWSROOM, **LISTING),
    "wagtailadmin_reports:workflow_results": rule(NEWSROOM, **LISTING),
    "wagtailadmin_reports:workflow_tasks": rule(NEWSROOM, **LISTING),
    "wagtailadmin_reports:workflow_tasks_results": rule(NEWSROOM, **LISTING),
    "wagtailadmin_reports:site_history": rule(SIGNED_IN, **LISTING),
    "wagtailadmin_reports:site_history_results": rule(SIGNED_IN, **LISTING),
    "wagtailadmin_reports:aging_pages": rule(NEWSROOM, **LISTING),
    "wagtailadmin_reports:aging_pages_results": rule(NEWSROOM, **LISTING),
    "wagtailadmin_reports:page_types_usage": rule(NEWSROOM, **LISTING),
    "wagtailadmin_reports:page_types_usage_results": rule(NEWSROOM, **LISTING),
    "wagtailadmin_account": rule(SIGNED_IN, post=True),
    "wagtailadmin_logout": rule(EVERYONE, get=False, post=True, logs_out=True),
    "wagtailadmin_dismissibles": rule(SIGNED_IN),
    "wagtailadmin_editing_sessions:ping": rule(NEWSROOM, get=False, post=True),
    # Deletes only the caller's own sessions.
    "wagtailadmin_editing_sessions:release": rule(SIGNED_IN, get=False, post=True, foreign="hidden"),
    "wagtailadmin_block_preview": rule(SIGNED_IN, query="?id={block}"),
    "wagtailadmin_sprite": rule(EVERYONE),
    "wagtailadmin_login": rule(EVERYONE, post=True),
    "wagtailadmin_password_reset": rule(EVERYONE, post=True),
    "wagtailadmin_password_reset_done": rule(EVERYONE),
    "wagtailadmin_password_reset_confirm": rule(EVERYONE, post=True),
    "wagtailadmin_password_reset_complete": rule(EVERYONE),
    "wagtailadmin_javascript_catalog": rule(EVERYONE),
    # Images, documents, media: collection permissions (newsroom.roles.COLLECTION_PERMISSIONS)
    "wagtailimages:index": rule(NEWSROOM, **LISTING),
    "wagtailimages:index_results": rule(NEWSROOM, **LISTING),
    "wagtailimages:add": rule(NEWSROOM, post=True),
    "wagtailimages:edit": rule(DESK, post=True),
    "wagtailimages:delete": rule(DESK, post=True),
    "archive_delete_image": rule(DESK, post=True),  # the same address, ahead of Wagtail's
    # Needs Wagtail's dynamic image serve view, which this project does not mount: 404 once allowed.
    "wagtailimages:url_generator": rule(NOBODY),
    "wagtailimages:url_generator_output": rule(NOBODY),
    "wagtailimages:preview": rule(DESK),
    "wagtailimages:image_usage": rule(DESK),
    "wagtailimages:add_multiple": rule(NEWSROOM, post=True, reached={400}),
    "wagtailimages:edit_multiple": rule(DESK, get=False, post=True),
    "wagtailimages:delete_multiple": rule(DESK, get=False, post=True),
    # An upload awaiting its details belongs to who uploaded it (the editor, here).
    "wagtailimages:create_multiple_from_uploaded_image": rule({EDITOR}, get=False, post=True),
    "wagtailimages:delete_upload_multiple": rule({EDITOR}, get=False, post=True),
    "wagtailimages_chooser:choose": rule(SIGNED_IN, **LISTING),
    "wagtailimages_chooser:choose_results": rule(SIGNED_IN, **LISTING),
    "wagtailimages_chooser:chosen": rule(STAFF),
    "wagtailimages_chooser:chosen_multiple": rule(SIGNED_IN, query="?id={image}", **LISTING),
    "wagtailimages_chooser:create": rule(NEWSROOM, post=True),
    "wagtailimages_chooser:select_format": rule(STAFF, post=True),
    "wagtaildocs:index": rule(NEWSROOM, **LISTING),
    "wagtaildocs:index_results": rule(NEWSROOM, **LISTING),
    "wagtaildocs:add": rule(NEWSROOM, post=True),
    "wagtaildocs:edit": rule(DESK, post=True),
    "wagtaildocs:delete": rule(DESK, post=True),
    "wagtaildocs:add_multiple": rule(NEWSROOM, post=True, reached={400}),
    "wagtaildocs:edit_multiple": rule(DESK, get=False, post=True),
    "wagtaildocs:delete_multiple": rule(DESK, get=False, post=True),
    "wagtaildocs:create_multiple_from_uploaded_document": rule({EDITOR}, get=False, post=True),
    "wagtaildocs:delete_upload_multiple": rule({EDITOR}, get=False, post=True),
    "wagtaildocs:document_usage": rule(DESK),
    "wagtaildocs_chooser:choose": rule(SIGNED_IN, **LISTING),
    "wagtaildocs_chooser:choose_results": rule(SIGNED_IN, **LISTING),
    "wagtaildocs_chooser:chosen": rule(STAFF),
    "wagtaildocs_chooser:chosen_multiple": rule(SIGNED_IN, query="?id={document}", **LISTING),
    "wagtaildocs_chooser:create": rule(NEWSROOM, post=True),
    "wagtaildocs_serve": rule(EVERYONE),  # documents are offered to readers; only restricted ones ask
    "wagtaildocs_authenticate_with_password": rule(EVERYONE, post=True),
    "wagtailmedia:index": rule(NEWSROOM, **LISTING),
    "wagtailmedia:add": rule(NEWSROOM, post=True),
    "wagtailmedia:edit": rule(DESK, post=True),
    "wagtailmedia:delete": rule(DESK, post=True),
    "archive_delete_media": rule(DESK, post=True),
    "wagtailmedia:chooser": rule(SIGNED_IN, **LISTING),
    "wagtailmedia:chooser_typed": rule(SIGNED_IN, **LISTING),
    "wagtailmedia:media_chosen": rule(DESK),
    "wagtailmedia:chooser_upload": rule(NEWSROOM, post=True),
    "wagtailmedia:media_usage": rule(NEWSROOM),
    "wagtailembeds:chooser": rule(SIGNED_IN),
    "wagtailembeds:chooser_upload": rule(SIGNED_IN, post=True),
    # The project registers no form pages and no site settings, and the snippets index has no snippet
    # without a menu of its own: Wagtail answers 404 or the dashboard to everyone.
    "wagtailforms:index": rule(NEWSROOM, **LISTING),
    "wagtailforms:index_results": rule(NEWSROOM, **LISTING),
    "wagtailforms:list_submissions": rule(NOBODY),
    "wagtailforms:list_submissions_results": rule(NOBODY),
    "wagtailforms:delete_submissions": rule(NOBODY),
    "wagtailsettings:edit": rule(NOBODY),
    "wagtailsettings:preview_on_edit": rule(NOBODY),
    "wagtailsnippets:index": rule(NOBODY),
    "wagtailredirects:process_import": rule(ONLY_SUPERUSER, get=False),  # needs the uploaded file's name
    "wagtailsites:delete": rule(ONLY_SUPERUSER),  # an agency's site is protected by the agency
    "wagtailsearchpromotions:chooser": rule(SIGNED_IN),
    "wagtailsearchpromotions:chooserresults": rule(SIGNED_IN),
    # Staff accounts: agency managers (newsroom.staff); deleting an account is for administrators.
    "wagtailusers_users:index": rule(MANAGERS, **LISTING),
    "wagtailusers_users:index_results": rule(MANAGERS, **LISTING),
    "wagtailusers_users:add": rule(MANAGERS, post=True),
    "wagtailusers_users:edit": rule(MANAGERS, post=True),
    "wagtailusers_users:delete": rule(ONLY_SUPERUSER, post=True),
    "wagtailusers_users:history": rule(MANAGERS),
    "wagtailusers_users:history_results": rule(MANAGERS),
    "wagtailusers_users:usage": rule(MANAGERS),
    # Authors (snippet walled per agency) and the maturity framework (read by staff, changed by admins)
    "wagtailsnippets_newsroom_author:list": rule(DESK_AND_MANAGER, **LISTING),
    "wagtailsnippets_newsroom_author:list_results": rule(DESK_AND_MANAGER, **LISTING),
    "wagtailsnippets_newsroom_author:add": rule(DESK_AND_MANAGER, post=True),
    "wagtailsnippets_newsroom_author:edit": rule(DESK_AND_MANAGER, post=True),
    "wagtailsnippets_newsroom_author:delete": rule(PUBLISHERS | {MANAGER}, post=True),
    "wagtailsnippets_newsroom_author:usage": rule(DESK_AND_MANAGER),
    "wagtailsnippets_newsroom_author:history": rule(DESK_AND_MANAGER),
    "wagtailsnippets_newsroom_author:history_results": rule(DESK_AND_MANAGER),
    "wagtailsnippetchoosers_newsroom_author:choose": rule(SIGNED_IN, **LISTING),
    "wagtailsnippetchoosers_newsroom_author:choose_results": rule(SIGNED_IN, **LISTING),
    "wagtailsnippetchoosers_newsroom_author:chosen": rule(DESK_AND_MANAGER),
    "wagtailsnippetchoosers_newsroom_author:chosen_multiple": rule(
        SIGNED_IN, query="?id={author}", **LISTING
    ),
    # The author chooser has no creation form: its GET answers nothing to fill, its POST fails in Wagtail.
    "wagtailsnippetchoosers_newsroom_author:create": rule(DESK_AND_MANAGER),
    "wagtailsnippets_analytics_maturityframework:list": rule(SIGNED_IN),
    "wagtailsnippets_analytics_maturityframework:list_results": rule(SIGNED_IN),
    "wagtailsnippets_analytics_maturityframework:add": rule(ONLY_SUPERUSER),  # StreamField formsets
    "wagtailsnippets_analytics_maturityframework:edit": rule(ONLY_SUPERUSER),
    "wagtailsnippets_analytics_maturityframework:delete": rule(ONLY_SUPERUSER),
    "wagtailsnippets_analytics_maturityframework:usage": rule(ONLY_SUPERUSER),
    "wagtailsnippets_analytics_maturityframework:history": rule(ONLY_SUPERUSER),
    "wagtailsnippets_analytics_maturityframework:history_results": rule(ONLY_SUPERUSER),
    "wagtailsnippets_analytics_maturityframework:revisions_revert": rule(ONLY_SUPERUSER),
    "wagtailsnippets_analytics_maturityframework:revisions_compare": rule(ONLY_SUPERUSER),
    "wagtailsnippets_analytics_maturityframework:revisions_unschedule": rule(ONLY_SUPERUSER),
    "wagtailsnippets_analytics_maturityframework:unpublish": rule(ONLY_SUPERUSER, post=True),
    "wagtailsnippetchoosers_analytics_maturityframework:choose": rule(SIGNED_IN),
    "wagtailsnippetchoosers_analytics_maturityframework:choose_results": rule(SIGNED_IN),
    "wagtailsnippetchoosers_analytics_maturityframework:chosen": rule(SIGNED_IN),
    "wagtailsnippetchoosers_analytics_maturityframework:chosen_multiple": rule(SIGNED_IN),
    "wagtailsnippetchoosers_analytics_maturityframework:create": rule(ONLY_SUPERUSER),
    # newsroom: agencies, assignments, board, overview, filing
    "agencies:index": rule(MANAGERS | {OVERSIGHT}, **LISTING),
    "agencies:index_results": rule(MANAGERS | {OVERSIGHT}, **LISTING),
    "agencies:add": rule(ONLY_SUPERUSER, post=True),
    "agencies:edit": rule(MANAGERS, post=True),
    "agencies:delete": rule(ONLY_SUPERUSER),  # an agency's pages and site protect it
    "agencies:history": rule(MANAGERS),
    "agencies:history_results": rule(MANAGERS),
    "agencies:usage": rule(MANAGERS),
    "newsroom_assignments:index": rule(DESK_AND_MANAGER, **LISTING),
    "newsroom_assignments:index_results": rule(DESK_AND_MANAGER, **LISTING),
    "newsroom_assignments:add": rule(DESK_AND_MANAGER, post=True),
    "newsroom_assignments:edit": rule(DESK_AND_MANAGER, post=True),
    "newsroom_assignments:delete": rule(DESK_AND_MANAGER, post=True),
    "newsroom_assignments:history": rule(DESK_AND_MANAGER),
    "newsroom_assignments:history_results": rule(DESK_AND_MANAGER),
    "newsroom_assignments:usage": rule(DESK_AND_MANAGER),
    "newsroom_overview": rule(SIGNED_IN, **LISTING),  # the agencies the user works for or oversees
    "newsroom_board": rule(STAFF, **LISTING),
    "newsroom_board_columns": rule(STAFF, **LISTING),
    # The filing page opens for any admin user and offers only the sections they may add stories to.
    "newsroom_filing:page": rule(SIGNED_IN, **LISTING),
    "newsroom_filing:service_worker": rule(SIGNED_IN),
    "newsroom_filing:desk": rule(SIGNED_IN, **LISTING),
    "newsroom_filing:file": rule(NEWSROOM, get=False, post=True, data=_json(lambda n: n.filed_draft)),
    "newsroom_filing:story": rule({REPORTER}),  # the reporter's own story only
    "newsroom_filing:submit": rule({REPORTER}, get=False, post=True, data=_json(lambda n: {})),
    # archive
    "archive_index": rule(STAFF, **LISTING),
    "archive_upload": rule(STAFF),
    "archive_upload_file": rule(
        NEWSROOM, get=False, post=True, data=lambda n: {"agency": n.agency.pk}, reached={400}
    ),
    "archive_upload_details": rule(
        DESK,
        get=False,
        post=True,
        data=lambda n: {
            "kind": "image",
            "id": n.image.pk,
            "sharing": Sharing.AGENCY,
            "licence": Licence.AGENCY,
        },
    ),
    "archive_detail": rule(STAFF),
    # Direct uploads to S3: the agency and role are checked against the signed upload token in each call
    # (tests/archive/test_s3.py); without S3 every signed-in call is refused as not configured or unsigned.
    "archive_s3_create": rule(SIGNED_IN, get=False, post=True, reached={400, 409}),
    "archive_s3_sign": rule(SIGNED_IN, get=False, post=True, reached={400, 409}),
    "archive_s3_complete": rule(SIGNED_IN, get=False, post=True, reached={400, 409}),
    "archive_s3_abort": rule(SIGNED_IN, get=False, post=True, reached={400, 409}),
    "archive_tus_endpoint": rule(
        NEWSROOM,
        get=False,
        post=True,
        headers=lambda n: {
            "HTTP_TUS_RESUMABLE": "1.0.0",
            "HTTP_UPLOAD_LENGTH": "100",
            "HTTP_UPLOAD_METADATA": n.tus_metadata,
        },
        refusals={400},  # an agency that is not the user's
    ),
    "archive_tus_upload": rule({EDITOR}, method="head", headers={"HTTP_TUS_RESUMABLE": "1.0.0"}),
    "archive_tus_asset": rule({EDITOR}, reached={409}),  # 409: the editor's upload is not finished
    # distribution
    "distribution_channels:index": rule(DESK_AND_MANAGER, **LISTING),
    "distribution_channels:index_results": rule(DESK_AND_MANAGER, **LISTING),
    "distribution_channels:add": rule(MANAGERS, post=True),
    "distribution_channels:edit": rule(MANAGERS, post=True),
    "distribution_channels:delete": rule(MANAGERS, post=True),
    "distribution_channels:history": rule(MANAGERS),
    "distribution_channels:history_results": rule(MANAGERS),
    "distribution_channels:usage": rule(MANAGERS),
    "distribution_channels:inspect": rule(DESK_AND_MANAGER),
    "distribution_deliveries:index": rule(DESK_AND_MANAGER, **LISTING),
    "distribution_deliveries:index_results": rule(DESK_AND_MANAGER, **LISTING),
    "distribution_deliveries:failed": rule(DESK_AND_MANAGER, **LISTING),
    "distribution_deliveries:failed_results": rule(DESK_AND_MANAGER, **LISTING),
    "distribution_deliveries:retry": rule(DESK_AND_MANAGER, get=False, post=True),
    "distribution_story_channels": rule(
        NEWSROOM, get=False, post=True, data=lambda n: {"channel": n.channel.pk, "selected": "1"}
    ),
    "distribution_story_preview": rule(NEWSROOM),
    # analytics: readership (staff and officers of the agencies they see) and digital transformation
    "analytics_readership": rule(SIGNED_IN, **LISTING),
    "analytics_readership_production": rule(SIGNED_IN, **LISTING),
    "analytics_readership_export": rule(SIGNED_IN, **LISTING),
    "analytics_tokens": rule(SIGNED_IN, post=True, reached={400}, **LISTING),  # the user's own keys
    "analytics_token_revoke": rule({EDITOR}, get=False, post=True),  # the key's owner only
    "analytics_revenue": rule(SIGNED_IN, **LISTING),
    "analytics_revenue_export": rule(SIGNED_IN, **LISTING),
    "analytics_revenue_import": rule(MANAGERS, post=True, **LISTING),
    "analytics_revenue_template": rule(MANAGERS),
    "analytics_revenue_undo": rule(MANAGERS, post=True),
    "analytics_revenue_entries:index": rule(MANAGERS, **LISTING),
    "analytics_revenue_entries:index_results": rule(MANAGERS, **LISTING),
    "analytics_revenue_entries:add": rule(MANAGERS, post=True),
    "analytics_revenue_entries:edit": rule(MANAGERS, post=True),
    "analytics_revenue_entries:delete": rule(MANAGERS, post=True),
    "analytics_revenue_entries:history": rule(MANAGERS),
    "analytics_revenue_entries:history_results": rule(MANAGERS),
    "analytics_revenue_entries:usage": rule(MANAGERS),
    "analytics_training_summary": rule(READERS, **LISTING),
    "analytics_training_import": rule(MANAGERS, post=True),
    "analytics_training:index": rule(READERS, **LISTING),
    "analytics_training:index_results": rule(READERS, **LISTING),
    "analytics_training:add": rule(MANAGERS, post=True),
    "analytics_training:edit": rule(MANAGERS, post=True),
    "analytics_training:delete": rule(MANAGERS, post=True),
    "analytics_training:history": rule(MANAGERS),
    "analytics_training:history_results": rule(MANAGERS),
    "analytics_training:usage": rule(MANAGERS),
    "analytics_security": rule(READERS, **LISTING),
    "analytics_security_declarations:index": rule(READERS, **LISTING),
    "analytics_security_declarations:index_results": rule(READERS, **LISTING),
    "analytics_security_declarations:add": rule(MANAGERS, post=True),
    "analytics_security_declarations:edit": rule(MANAGERS, post=True),
    "analytics_security_declarations:delete": rule(MANAGERS, post=True),
    "analytics_security_declarations:history": rule(MANAGERS),
    "analytics_security_declarations:history_results": rule(MANAGERS),
    "analytics_security_declarations:usage": rule(MANAGERS),
    "analytics_transformation": rule(SIGNED_IN, **LISTING),
    "analytics_province": rule(SIGNED_IN, **LISTING),
    "analytics_declare": rule(MANAGERS, post=True, reached={400}),
    "analytics_maturity": rule(SIGNED_IN, **LISTING),
    # Officers and other staff read an assessment; only the manager starts and answers it.
    "analytics_maturity_assessment": rule(
        SIGNED_IN, post=True, post_who=MANAGERS, data=lambda n: {"action": "start"}
    ),
    "analytics_strategy_report": rule({OVERSIGHT, SUPERUSER}),  # the body's officers
    "strategy_targets:index": rule(ONLY_SUPERUSER),
    "strategy_targets:index_results": rule(ONLY_SUPERUSER),
    "strategy_targets:add": rule(ONLY_SUPERUSER, post=True),
    "strategy_targets:edit": rule(ONLY_SUPERUSER, post=True),
    "strategy_targets:delete": rule(ONLY_SUPERUSER, post=True),
    "strategy_targets:history": rule(ONLY_SUPERUSER),
    "strategy_targets:history_results": rule(ONLY_SUPERUSER),
    "strategy_targets:usage": rule(ONLY_SUPERUSER),
    # Outside the admin: the public sites, feeds and APIs, and the readers' beacon
    "wagtail_serve": rule(EVERYONE),
    "wagtailcore_authenticate_with_password": rule(EVERYONE, post=True),
    "wagtailcore_login": rule(EVERYONE, post=True),
    "route:sitemap.xml": rule(EVERYONE),
    "javascript-catalog": rule(EVERYONE),
    "set_language": rule(EVERYONE, post=True),
    **{
        f"distribution:{name}": rule(EVERYONE)
        for name in (
            "rss",
            "atom",
            "json-feed",
            "podcast",
            "podcast-artwork",
            "news-sitemap",
            "ninjs-stories",
            "ninjs-story",
            "newsml-story",
            "section-rss",
            "section-atom",
            "section-json-feed",
            "section-podcast",
        )
    },
    # The beacon takes JSON from any reader (415 for anything else); platform figures and the readership
    # API want their bearer key, whoever is signed in (401).
    "analytics_collect": rule(EVERYONE, get=False, post=True, reached={415}),
    "analytics_platform_figures": rule(NOBODY, get=False, post=True),
    "analytics_api": rule(NOBODY),
    # Two-factor sign-in (issue 8): each person's own; a manager resets the staff of their agencies only.
    "newsroom_accounts:manage": rule(SIGNED_IN),
    "newsroom_accounts:verify": rule(SIGNED_IN, post=True),
    "newsroom_accounts:setup": rule(SIGNED_IN, post=True),
    "newsroom_accounts:recovery_codes": rule(SIGNED_IN, get=False, post=True),
    "newsroom_accounts:remove": rule(SIGNED_IN, get=False, post=True),
    "newsroom_accounts:reset": rule(MANAGERS, post=True),
    # The audit log (issue 8): the agency's manager reads it.
    "newsroom_audit": rule(MANAGERS, **LISTING),
    "newsroom_audit_results": rule(MANAGERS, **LISTING),
    "newsroom_audit_export": rule(MANAGERS, **LISTING),
    # Operations (issue 8): the health check is public; /metrics answers a bearer token or a request
    # straight from settings.METRICS_ALLOWED_IPS (the test client is 127.0.0.1), whoever is signed in.
    "healthz": rule(EVERYONE, reached={503}),
    "metrics": rule(EVERYONE),
}


# --- the objects each URL is asked with ------------------------------------------------------------------
# One parameter name means one object wherever it appears; `pk` means each viewset's own object.
PARAMS = {
    "page_id": lambda n: n.draft.pk,
    "parent_page_id": lambda n: n.section.pk,
    "page_to_move_id": lambda n: n.draft.pk,
    "destination_id": lambda n: n.other_section.pk,
    "revision_id": lambda n: n.draft.latest_revision_id,
    "revision_id_a": lambda n: "earliest",
    "revision_id_b": lambda n: "latest",
    "content_type_app_name": lambda n: "newsroom",
    "content_type_model_name": lambda n: "storypage",
    "app_label": lambda n: "newsroom",
    "model_name": lambda n: "storypage",
    "app_name": lambda n: "newsroom",
    "action_name": lambda n: "approve",
    "task_state_id": lambda n: n.task_state.pk,
    "task_id": lambda n: n.task_state.task_id,
    "workflow_state_id": lambda n: n.task_state.workflow_state_id,
    "page_pk": lambda n: n.agency.root_page.pk,
    "workflow_pk": lambda n: n.task_state.workflow_state.workflow_id,
    "collection_id": lambda n: n.agency.collection_id,
    "image_id": lambda n: n.image.pk,
    "document_id": lambda n: n.document.pk,
    "doc_id": lambda n: n.document.pk,
    "media_id": lambda n: n.media.pk,
    "media_type": lambda n: "video",
    "filter_spec": lambda n: "max-165x165",
    "uploaded_file_id": lambda n: n.image_upload.pk,
    "session_id": lambda n: n.editing_session.pk,
    "object_id": lambda n: str(n.draft.pk),
    "redirect_id": lambda n: n.redirect.pk,
    "query_id": lambda n: n.query.pk,
    "story_id": lambda n: n.live.pk,
    "channel_id": lambda n: n.channel.pk,
    "agency_id": lambda n: n.agency.pk,
    "body_id": lambda n: n.body.pk,
    "year": lambda n: n.year,
    "indicator": lambda n: "digital_platforms",
    "fmt": lambda n: "docx",
    "kind": lambda n: "image",
    "panel": lambda n: "overview",
    "name": lambda n: "overview",
    "section": lambda n: n.section.slug,
    "upload_id": lambda n: n.tus_upload.uuid,
    "action": lambda n: "delete",
    "uidb64": lambda n: "MQ",
    "token": lambda n: "set-password",
    "restriction_id": lambda n: n.document_restriction.pk,
    "page_view_restriction_id": lambda n: n.page_restriction.pk,
    "user_id": lambda n: n.newcomer.pk,
}
PK = {
    "wagtailadmin_api:pages": lambda n: n.draft.pk,
    "wagtailadmin_api:documents": lambda n: n.document.pk,
    "wagtailadmin_api:images": lambda n: n.image.pk,
    "wagtailadmin_pages": lambda n: n.draft.pk,
    "wagtailadmin_collections": lambda n: n.agency.collection_id,
    "wagtailadmin_workflows": lambda n: n.task_state.workflow_state.workflow_id,
    "archive_detail": lambda n: n.image.pk,
    "analytics_token_revoke": lambda n: n.token.pk,
    "analytics_revenue_undo": lambda n: n.revenue_import.pk,
    "wagtailsettings": lambda n: 1,
    "wagtailsnippets_newsroom_author": lambda n: n.author.pk,
    "wagtailsnippetchoosers_newsroom_author": lambda n: n.author.pk,
    "wagtailsnippets_analytics_maturityframework": lambda n: n.framework.pk,
    "wagtailsnippetchoosers_analytics_maturityframework": lambda n: n.framework.pk,
    "agencies": lambda n: n.agency.pk,
    "newsroom_assignments": lambda n: n.assignment.pk,
    "distribution_channels": lambda n: n.channel.pk,
    "distribution_deliveries": lambda n: n.delivery.pk,
    "analytics_revenue_entries": lambda n: n.revenue_entry.pk,
    "analytics_training": lambda n: n.training.pk,
    "analytics_security_declarations": lambda n: n.security.pk,
    "strategy_targets": lambda n: n.target.pk,
    "wagtailsites": lambda n: n.agency.site_id,
    "wagtailusers_users": lambda n: n.newcomer.pk,
    "wagtailusers_groups": lambda n: n.agency.group_for(Role.REPORTER).pk,
    "wagtaildocs_chooser": lambda n: n.document.pk,
    "wagtailimages_chooser": lambda n: n.image.pk,
}
# Where one URL needs other objects than its parameters' usual ones.
KWARGS = {
    "wagtailadmin_api:pages:action": {"pk": lambda n: n.live.pk, "action_name": lambda n: "unpublish"},
    "wagtailadmin_pages:unpublish": {"page_id": lambda n: n.live.pk},
    "wagtailadmin_pages:copy": {"page_id": lambda n: n.live.pk},
    "wagtailadmin_pages:usage": {"page_id": lambda n: n.live.pk},
    "wagtailadmin_pages:convert_alias": {"page_id": lambda n: n.alias.pk},
    "wagtailadmin_pages:set_page_position": {"page_to_move_id": lambda n: n.live.pk},
    **{
        f"wagtailadmin_pages:{name}": {"page_id": lambda n: n.submitted.pk}
        for name in (
            "workflow_action",
            "collect_workflow_action_data",
            "confirm_workflow_cancellation",
            "workflow_preview",
            "workflow_history",
            "workflow_history_detail",
        )
    },
    "wagtailadmin_pages:revisions_unschedule": {
        "page_id": lambda n: n.scheduled.pk,
        "revision_id": lambda n: n.scheduled.latest_revision_id,
    },
    "wagtailadmin_tag_model_autocomplete": {"app_name": lambda n: "taggit", "model_name": lambda n: "tag"},
    "wagtail_bulk_action": {"app_label": lambda n: "wagtailcore", "model_name": lambda n: "page"},
    "wagtailadmin_editing_sessions:ping": {
        "app_label": lambda n: "wagtailcore",
        "model_name": lambda n: "page",
    },
    "wagtailadmin_workflows:add_task": {
        "app_label": lambda n: "wagtailcore",
        "model_name": lambda n: "groupapprovaltask",
    },
    **{
        f"wagtailadmin_workflows:{name}": {"pk": lambda n: n.task_state.task_id}
        for name in ("edit_task", "disable_task", "enable_task")
    },
    "wagtailsnippets_analytics_maturityframework:revisions_revert": {
        "revision_id": lambda n: n.framework.latest_revision_id
    },
    "wagtailsnippets_analytics_maturityframework:revisions_unschedule": {
        "revision_id": lambda n: n.framework.latest_revision_id
    },
    "newsroom_filing:story": {"story_id": lambda n: n.draft.pk},
    "newsroom_filing:submit": {"story_id": lambda n: n.draft.pk},
    "wagtaildocs:create_multiple_from_uploaded_document": {
        "uploaded_file_id": lambda n: n.document_upload.pk
    },
    "wagtaildocs:delete_upload_multiple": {"uploaded_file_id": lambda n: n.document_upload.pk},
}
# Patterns with unnamed groups, reversed by position, and unnamed patterns, asked at a fixed path.
ARGS = {
    "wagtaildocs_serve": lambda n: [n.document.pk, n.document.filename],
    "wagtail_serve": lambda n: [n.live.url_path.split("/", 2)[2]],
}
ROUTES = {
    "route:admin/test404/": "/admin/test404/",
    "route:admin/^.*/$": "/admin/no-such-screen/",
    "route:sitemap.xml": "/sitemap.xml",
}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def url_for(name: str, route: str, n) -> str:
    """`name`'s address with its parameters taken from newsroom `n`, and the rule's query string."""
    if name in ROUTES:
        return ROUTES[name]
    if name in ARGS:
        address = reverse(name, args=ARGS[name](n))
    else:
        namespace, overrides, kwargs = name.rpartition(":")[0] or name, KWARGS.get(name, {}), {}
        for match in PARAMETER.finditer(route):
            param = match.group(1) or match.group(2)
            value = overrides.get(param) or (PK[namespace] if param == "pk" else PARAMS[param])
            kwargs[param] = value(n)
        address = reverse(name, kwargs=kwargs)
    query = rule_for(name).query
    return address + query.format(
        draft=n.draft.pk, document=n.document.pk, image=n.image.pk, author=n.author.pk, block=n.block_id
    )


def walk(resolver=None, prefix=""):
    """(name, route) of every URL pattern through every include: "namespace:name", or "route:<route>" for
    a pattern without a name. A name given twice (Wagtail's workflows:remove) is kept once."""
    resolver = resolver or get_resolver()
    found = {}
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            for name, inner in walk(entry, route).items():
                qualified = (
                    f"{entry.namespace}:{name}" if entry.namespace and not name.startswith("route:") else name
                )
                found.setdefault(qualified, inner)
        else:
            found.setdefault(entry.name or f"route:{route}", route)
    return found


def rule_for(name: str) -> Rule | None:
    """The rule of URL `name`: its own, or its Wagtail group's (a POST only for the group's form views)."""
    if name in RULES:
        return RULES[name]
    namespace, _colon, view = name.rpartition(":")
    group = WAGTAIL_GROUPS.get(namespace)
    if group is None:
        return None
    return replace(group, post=group.post and view in FORM_VIEWS)


# --- the world: agency A, whose people ask, and agency B, whose objects they must not reach ------------
def build_newsroom(short_name: str, secret: str, people: str, shared) -> SimpleNamespace:
    """An agency with one object of every kind a URL names, each titled with `secret`, and staff whose
    names carry `people`."""
    n = SimpleNamespace(**vars(shared))
    n.agency = make_agency(short_name=short_name, name=f"Báo {short_name}")
    n.users = {role: make_user(username=f"{short_name}-{role}", agency=n.agency, role=role) for role in Role}
    n.newcomer = make_user(username=f"{short_name}-moi", agency=n.agency, role=Role.REPORTER)
    for person in [*n.users.values(), n.newcomer]:
        person.last_name = people
        person.save(update_fields=["last_name"])
    reporter, editor, chief = n.users[REPORTER], n.users[EDITOR], n.users[CHIEF]
    n.section, n.other_section = section_of(n.agency), section_of(n.agency, 1)

    def story(title, **fields):
        return make_story(section=n.section, owner=reporter, title=f"{secret} {title}", **fields)

    n.draft = story("bản nháp", publish=False)
    n.live = story("đã đăng")
    n.submitted = story("chờ duyệt", publish=False)
    n.submitted.get_workflow().start(n.submitted, reporter)  # at the editors' step
    n.task_state = StoryPage.objects.get(pk=n.submitted.pk).current_workflow_task_state
    n.scheduled = story("hẹn giờ", publish=False)
    n.scheduled.go_live_at = timezone.now() + timedelta(days=2)
    n.scheduled.save_revision(user=chief).publish(user=chief)
    n.scheduled.refresh_from_db()
    n.alias = n.live.create_alias(parent=n.other_section, user=chief)
    n.page_restriction = PageViewRestriction.objects.create(
        page=story("có mật khẩu"), restriction_type=PageViewRestriction.PASSWORD, password="mat-khau"
    )
    private = n.agency.collection.add_child(name=f"{short_name} riêng")
    n.document_restriction = CollectionViewRestriction.objects.create(
        collection=private, restriction_type=CollectionViewRestriction.PASSWORD, password="mat-khau"
    )
    n.image = make_image(agency=n.agency, title=f"{secret} ảnh")
    n.document = get_document_model().objects.create(
        title=f"{secret} tài liệu",
        file=ContentFile(b"%PDF-1.4\n%%EOF", name="tai-lieu.pdf"),
        collection=n.agency.collection,
    )
    n.media = get_media_model().objects.create(
        title=f"{secret} video",
        file=ContentFile(b"\x00" * 64, name="clip.mp4"),
        type="video",
        collection=n.agency.collection,
        duration=1,
    )
    n.author = make_author(agency=n.agency, name=f"{secret} tác giả")
    n.assignment = Assignment.objects.create(
        agency=n.agency,
        title=f"{secret} đề tài",
        reporter=reporter,
        assigned_by=editor,
        deadline=timezone.now() + timedelta(hours=4),
    )
    n.channel = Channel.objects.create(
        agency=n.agency, kind="webhook", name=f"{secret} kênh", base_url="http://127.0.0.1:9/"
    )
    n.delivery = Delivery.objects.create(
        story=n.live, story_title=n.live.title, channel=n.channel, action="publish", state="failed"
    )
    manager = n.users[MANAGER]
    n.revenue_import = RevenueImport.objects.create(
        agency=n.agency, file_name=f"{secret}.csv", rows=1, total=1000, imported_by=manager
    )
    n.revenue_entry = RevenueEntry.objects.create(
        agency=n.agency, source="advertising", month=date(2025, 1, 1), amount=1000, note=secret
    )
    n.training = TrainingRecord.objects.create(
        agency=n.agency, staff=reporter, course=f"{secret} khoá học", date=date(2025, 3, 1), hours=8
    )
    n.security = SecurityDeclaration.objects.create(
        agency=n.agency,
        system_name=f"{secret} hệ thống",
        level=3,
        document_number="12/QĐ",
        document_date=date(2025, 2, 1),
    )
    n.token, _key = ApiToken.issue(user=editor, name=f"{secret} khoá")

    def upload(model, name):
        return UploadedFile.objects.create(
            for_content_type=ContentType.objects.get_for_model(model),
            file=ContentFile(b"x", name=name),
            uploaded_by_user=editor,
        )

    n.image_upload, n.document_upload = (
        upload(get_image_model(), "cho.jpg"),
        upload(get_document_model(), "cho.pdf"),
    )
    n.editing_session = EditingSession.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(StoryPage),
        object_id=str(n.draft.pk),
        last_seen_at=timezone.now(),
    )
    n.tus_upload = ResumableUpload.objects.create(
        user=editor,
        agency=n.agency,
        filename="clip.mp4",
        length=100,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    n.filed_draft = {
        "filing_id": str(uuid.uuid4()),
        "section": n.section.pk,
        "title": "Tin gửi từ hiện trường",
        "sapo": "",
        "text": "",
    }
    n.tus_metadata = (
        f"filename {_b64('anh.jpg')},filetype {_b64('image/jpeg')},agency {_b64(str(n.agency.pk))}"
    )
    return n


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def build_world() -> tuple[SimpleNamespace, SimpleNamespace]:
    """Agency A, with an oversight officer over it and a superuser among its users; agency B."""
    shared = SimpleNamespace(
        year=timezone.localdate().year,
        redirect=Redirect.objects.create(old_path="/cu", redirect_link="https://example.vn/"),
        query=Query.get("bầu cử"),
        target=StrategyTarget.objects.create(indicator="staff_trained", year=2040, share=100, source="thử"),
        framework=load_framework(str(FRAMEWORK)),
        block_id=StoryPage.body.field.stream_block.definition_prefix,
    )
    a = build_newsroom("matrana", "matrana", "nguoimatrana", shared)
    b = build_newsroom("matranb", SECRET, PEOPLE, shared)
    a.body = create_oversight_body(name="Sở TT&TT ma trận", kind="province", agencies=[a.agency])
    b.body = create_oversight_body(name="Sở TT&TT ma trận B", kind="province", agencies=[b.agency])
    a.users[OVERSIGHT] = make_user(username="matrana-so")
    a.users[OVERSIGHT].groups.add(a.body.group)
    a.users[SUPERUSER] = make_user(username="matran-admin", is_superuser=True)
    return a, b


# --- asking and judging --------------------------------------------------------------------------------
ALLOWED, DENIED = "allowed", "denied"
LOGIN_URL = "/admin/login/"
DASHBOARD = "/admin/"
# Views of Wagtail's settings groups that take a form; their listings and histories take no POST.
FORM_VIEWS = {
    "add",
    "edit",
    "delete",
    "copy",
    "set_privacy",
    "disable",
    "add_task",
    "edit_task",
    "disable_task",
}


def verdict(response, rule: Rule, role: str) -> str:
    """ALLOWED, DENIED, or what else the answer was (a 400, a 405, a 500)."""
    status, location = response.status_code, response.get("Location", "")
    if status in rule.refusals:
        return DENIED
    if status in rule.reached:
        return ALLOWED
    if status in (401, 403) or (status == 404 and role != ANONYMOUS):
        return DENIED
    if status in (301, 302, 303):
        if location.startswith(LOGIN_URL):
            if rule.logs_out:
                return ALLOWED
            return DENIED if role == ANONYMOUS else f"{status} to the login"
        # Only this request's messages: those of earlier refusals wait in the cookie until shown.
        added = getattr(response.wsgi_request._messages, "_queued_messages", [])
        refused = any(message.level == messages.ERROR for message in added)
        return DENIED if location == DASHBOARD and refused else ALLOWED
    if 200 <= status < 300:
        return ALLOWED
    return f"answered {status}"


def leaks(response) -> list[str]:
    """What of agency B's the answer shows."""
    if response is None or isinstance(response, Exception) or getattr(response, "streaming", False):
        return []
    text = response.content.decode(errors="replace")
    found = {SECRET: "shows agency B's objects", PEOPLE: "shows the names of agency B's staff"}
    return [what for marker, what in found.items() if marker in text]


def ask(client, method: str, url: str, rule: Rule, n, *, then=None):
    """The answer to one request (or the exception it raised), and what `then()` finds after it; in a
    savepoint rolled back at once, so that a POST changes nothing for the next request."""
    options = dict(rule.headers(n) if callable(rule.headers) else rule.headers)
    if method == "post":
        data = rule.data(n) if rule.data else {}
        if isinstance(data, str):
            options["content_type"] = "application/json"
        options["data"] = data
    with transaction.atomic():
        try:
            response = getattr(client, method)(url, **options)
        except Exception as error:  # noqa: BLE001  (a crash is an answer too; the test reports it)
            response = error
        found = then() if then else None
        transaction.set_rollback(True)
    return response, found


def requests_of(rule: Rule) -> list[tuple[str, frozenset]]:
    """(method, who may) for each request the rule asks."""
    asked = []
    if rule.get:
        asked.append((rule.method, rule.who))
    if rule.post:
        asked.append(("post", rule.post_who if rule.post_who is not None else rule.who))
    return asked


class Asker:
    """Asks as one role, signing in again only when a request signed it out."""

    def __init__(self, client, user):
        self.client, self.user = client, user
        self.sign_in()

    def sign_in(self):
        self.client.logout()
        if self.user is not None:
            self.client.force_login(self.user)

    def __call__(self, method, url, rule, n, *, then=None):
        response, found = ask(self.client, method, url, rule, n, then=then)
        if rule.logs_out:
            self.sign_in()
        return response, found


PEOPLE_OF_A = [REPORTER, EDITOR, CHIEF, MANAGER, OVERSIGHT]
# Bugs this matrix found that are not fixed yet: (pass, URL name, role, "reach" or "shows") → what is wrong.
# A known bug does not fail the tests, but one that stops happening does: then delete its entry. Those it
# found so far are walled in newsroom/walls.py and newsroom/staff.py (tests/newsroom/test_walls.py).
KNOWN_BUGS: dict[tuple[str, str, str, str], str] = {}


class Failures:
    """One test's failures, keyed as KNOWN_BUGS is: (pass, URL name, role, "reach" or "shows")."""

    def __init__(self, passname: str, role: str):
        self.passname, self.role, self.found = passname, role, {}

    def add(self, name: str, kind: str, text: str) -> None:
        self.found.setdefault((self.passname, name, self.role, kind), []).append(text)

    def check(self, name: str, where: str, response, *, expected: str = "", found: str = "") -> None:
        """Record a wrong verdict (when `expected` is given) and whatever of agency B's the answer shows."""
        if expected and found != expected:
            self.add(name, "reach", f"{where}: {found}, expected {expected}")
        for leak in leaks(response):
            self.add(name, "shows", f"{where}: {leak}")

    def settle(self) -> None:
        """Fail on every failure that is not a known bug, and on every known bug of this pass and role that
        did not happen."""
        unknown = [text for key, texts in self.found.items() if key not in KNOWN_BUGS for text in texts]
        fixed = [
            f"fixed, delete it from KNOWN_BUGS: {key}: {what}"
            for key, what in KNOWN_BUGS.items()
            if key[0] == self.passname and key[2] == self.role and key not in self.found
        ]
        assert not unknown + fixed, f"As {self.role}:\n" + "\n".join(unknown + fixed)


# --- fixtures ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def media_folder():
    folder = tempfile.mkdtemp(prefix="newsroom-url-matrix-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _media_root(settings, media_folder):
    """The module's files stay where its objects expect them (tests/conftest.py's per-test folder would
    lose them)."""
    settings.MEDIA_ROOT = media_folder


@pytest.fixture(scope="module")
def newsrooms(django_db_setup, django_db_blocker, media_folder):
    """Agencies A and B, built once for the module in a transaction rolled back at its end; each test's
    own transaction nests inside it."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_folder):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def matrix_client(client, newsrooms):
    """The test client, on agency A's host (the public sites and feeds find their agency by it)."""
    site = newsrooms[0].agency.site
    client.defaults.update(HTTP_HOST=site.hostname, SERVER_PORT=str(site.port))
    return client


# --- tests ---------------------------------------------------------------------------------------------
def test_every_url_is_classified():
    unclassified = sorted(f"{name}  ({route})" for name, route in walk().items() if rule_for(name) is None)
    assert not unclassified, "URLs nobody has classified in RULES (or WAGTAIL_GROUPS):\n" + "\n".join(
        unclassified
    )


def test_the_table_names_only_urls_that_exist():
    assert not sorted(set(RULES) - set(walk())), "RULES classifies URLs that no longer exist"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_roles_reach_what_the_table_says(matrix_client, newsrooms, role):
    """Agency A's own objects: each role reaches what the table lets it reach and is refused the rest; and
    no answer to anyone but the superuser shows agency B's secret."""
    a = newsrooms[0]
    asker = Asker(matrix_client, a.users.get(role))
    failures = Failures("own", role)
    for name, route in walk().items():
        rule = rule_for(name)
        if rule is None:
            continue  # test_every_url_is_classified names it
        url = url_for(name, route, a)
        for method, who in requests_of(rule):
            response, _ = asker(method, url, rule, a)
            if isinstance(response, Exception):
                found = ALLOWED if rule.raises else f"raised {response!r}"
            else:
                found = verdict(response, rule, role)
            expected = ALLOWED if role in who else DENIED
            where = f"{method.upper()} {url} ({name})"
            failures.check(
                name, where, response if role != SUPERUSER else None, expected=expected, found=found
            )
    failures.settle()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [REPORTER, EDITOR, CHIEF, MANAGER, OVERSIGHT])
def test_nothing_of_another_agency_reaches_a_role(matrix_client, newsrooms, role):
    """Every URL that names an object, asked with agency B's: refused to A's people, or (listings and
    choosers) answered without anything of B's."""
    a, b = newsrooms
    asker = Asker(matrix_client, a.users[role])
    failures = Failures("foreign", role)
    for name, route in walk().items():
        rule = rule_for(name)
        if rule is None or rule.who == EVERYONE:
            continue
        url = url_for(name, route, b)
        if url == url_for(name, route, a):
            continue  # names nothing of an agency's
        for method, _who in requests_of(rule):
            response, _ = asker(method, url, rule, b)
            where = f"{method.upper()} {url} ({name})"
            if isinstance(response, Exception):
                failures.add(name, "reach", f"{where}: raised {response!r}")
            elif rule.foreign == "denied":
                failures.check(name, where, response, expected=DENIED, found=verdict(response, rule, role))
            else:
                failures.check(name, where, response)
    failures.settle()


# Each model with bulk actions, and the object of a newsroom to choose for them (None: not an agency's).
BULK_OBJECTS = {
    "wagtailcore.page": lambda n: n.draft,
    "archive.archiveimage": lambda n: n.image,
    "wagtaildocs.document": lambda n: n.document,
    "auth.user": lambda n: n.newcomer,
    "newsroom.author": lambda n: n.author,
    "analytics.maturityframework": None,  # one framework for the whole deployment
}


def bulk_actions():
    """(app_label, model_name, action) of every bulk action Wagtail's registry knows."""
    bulk_action_registry._scan_for_bulk_actions()
    return [
        (app_label, model_name, action)
        for app_label, models in sorted(bulk_action_registry.actions.items())
        for model_name, actions in sorted(models.items())
        for action in sorted(actions)
    ]


def test_every_bulk_action_model_has_an_object():
    models = {f"{app_label}.{model_name}" for app_label, model_name, _action in bulk_actions()}
    assert not sorted(models - set(BULK_OBJECTS)), "add these models to BULK_OBJECTS"


@pytest.mark.django_db
@pytest.mark.parametrize("role", PEOPLE_OF_A)
def test_bulk_actions_on_another_agencys_objects(matrix_client, newsrooms, role):
    """Every bulk action, its confirmation (GET) and its execution (an empty POST), on one of agency B's
    objects: it names nothing of B's and changes nothing. (The user actions with valid form data, which an
    empty POST does not reach, are in tests/newsroom/test_walls.py.)"""
    a, b = newsrooms
    asker = Asker(matrix_client, a.users[role])
    bulk = rule(SIGNED_IN)
    failures = Failures("bulk", role)
    for app_label, model_name, action in bulk_actions():
        chosen = BULK_OBJECTS[f"{app_label}.{model_name}"]
        if chosen is None:
            continue
        target, name = chosen(b), f"{app_label}.{model_name}.{action}"
        url = reverse("wagtail_bulk_action", args=[app_label, model_name, action]) + f"?id={target.pk}"
        for method in ("get", "post"):
            before = _state(target)
            response, after = asker(method, url, bulk, b, then=partial(_state, target))
            where = f"{method.upper()} {url}"
            if isinstance(response, Exception):
                failures.add(name, "reach", f"{where}: raised {response!r}")
            if before != after:
                failures.add(name, "reach", f"{where}: changed it: {before} → {after}")
            failures.check(name, where, response)
    failures.settle()


def _state(target) -> tuple:
    """What a bulk action could change of an object, read afresh: whether it still exists, is live or
    active, its place in the page tree, its collection, its tags and groups."""
    instance = type(target)._default_manager.filter(pk=target.pk).first()
    if instance is None:
        return ("deleted",)
    related = [
        tuple(sorted(str(item) for item in getattr(instance, name).all()))
        for name in ("tags", "groups")
        if hasattr(instance, name)
    ]
    fields = ("live", "is_active", "path", "collection_id")
    return (*(getattr(instance, name, None) for name in fields), *related)
