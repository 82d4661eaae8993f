"""What each staff role may do, as Wagtail page, collection and model permissions.

One table, applied by `services.create_agency` and re-applied by `services.sync_agency_permissions`
when it changes.
"""

from .models import Role

# Page permissions on the agency's home page and everything below it.
PAGE_PERMISSIONS: dict[str, set[str]] = {
    # Wagtail's "add" lets a reporter create pages and edit the drafts they own, and submit them.
    Role.REPORTER: {"add"},
    Role.EDITOR: {"add", "change", "lock", "unlock"},
    Role.EDITOR_IN_CHIEF: {"add", "change", "publish", "lock", "unlock", "bulk_delete"},
    Role.MANAGER: set(),
}

# Permissions on the agency's collection, for images, documents and media.
_CHOOSE_AND_ADD = {"add", "choose"}
_ALL = {"add", "change", "choose", "delete"}
COLLECTION_PERMISSIONS: dict[str, dict[str, set[str]]] = {
    Role.REPORTER: {"image": _CHOOSE_AND_ADD, "document": _CHOOSE_AND_ADD, "media": {"add"}},
    Role.EDITOR: {"image": _ALL, "document": _ALL, "media": {"add", "change", "delete"}},
    Role.EDITOR_IN_CHIEF: {"image": _ALL, "document": _ALL, "media": {"add", "change", "delete"}},
    Role.MANAGER: {"image": {"choose"}, "document": {"choose"}, "media": set()},
}
COLLECTION_MODELS = {
    "image": "wagtailimages.image",
    "document": "wagtaildocs.document",
    "media": "wagtailmedia.media",
}

# Distribution: editors see the agency's channels and delivery log and retry failed deliveries (a retry
# is the only change staff make to a delivery, hence "change_delivery"); managers also run the channels.
_DISTRIBUTION_DESK = {
    "distribution.view_channel",
    "distribution.view_delivery",
    "distribution.change_delivery",
}
_DISTRIBUTION_MANAGER = {
    *_DISTRIBUTION_DESK,
    "distribution.add_channel",
    "distribution.change_channel",
    "distribution.delete_channel",
}

# Assignments: the desk (editors, the editor-in-chief, the manager) gives them out and changes them; reporters
# see their own in the filing view, which needs no model permission.
_ASSIGNMENT_DESK = {
    "newsroom.add_assignment",
    "newsroom.change_assignment",
    "newsroom.delete_assignment",
    "newsroom.view_assignment",
}

# Digital transformation: the manager keeps the agency's revenue ledger, training records, security
# declarations, declared indicators and the yearly maturity self-assessment.
_TRANSFORMATION_MANAGER = {
    f"analytics.{action}_{model}"
    for action in ("add", "change", "delete", "view")
    for model in (
        "revenueentry",
        "trainingrecord",
        "securitydeclaration",
        "indicatordeclaration",
        "selfassessment",
    )
} | {"analytics.add_revenueimport", "analytics.view_revenueimport", "analytics.delete_revenueimport"}

# Model permissions ("app_label.codename"). Agency-owned models are further limited to the
# user's own agencies by newsroom.permissions.AgencyOwnedPermissionPolicy (the distribution app's by a
# policy of its own that also honours the role held in each agency).
MODEL_PERMISSIONS: dict[str, set[str]] = {
    Role.REPORTER: {"wagtailadmin.access_admin"},
    Role.EDITOR: {
        "wagtailadmin.access_admin",
        "newsroom.add_author",
        "newsroom.change_author",
        *_DISTRIBUTION_DESK,
        *_ASSIGNMENT_DESK,
    },
    Role.EDITOR_IN_CHIEF: {
        *_DISTRIBUTION_DESK,
        *_ASSIGNMENT_DESK,
        "wagtailadmin.access_admin",
        "newsroom.add_author",
        "newsroom.change_author",
        "newsroom.delete_author",
    },
    Role.MANAGER: {
        *_DISTRIBUTION_MANAGER,
        *_TRANSFORMATION_MANAGER,
        *_ASSIGNMENT_DESK,
        "wagtailadmin.access_admin",
        "auth.add_user",
        "auth.change_user",
        "newsroom.change_agency",
        "newsroom.add_author",
        "newsroom.change_author",
        "newsroom.delete_author",
        "newsroom.view_agency",
        # The agency's audit log (/admin/audit/): sign-ins, permission changes, deliveries, exports.
        "newsroom.view_auditentry",
    },
}
OVERSIGHT_PERMISSIONS = {"wagtailadmin.access_admin", "newsroom.view_agency"}

# The default workflow: an editor reviews, then the editor-in-chief approves, which publishes.
WORKFLOW_STEPS = [Role.EDITOR, Role.EDITOR_IN_CHIEF]
