from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.staticfiles import versioned_static
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .models import Agency, Assignment, Author
from .permissions import AgencyOwnedPermissionPolicy, assignment_policy
from .staff import STAFF_BULK_ACTIONS
from .viewsets import AgencyViewSet, AssignmentViewSet, AuthorViewSet
from .walls import WalledDocumentsAdminAPIViewSet, WalledImagesAdminAPIViewSet, agency_trees

register_permission_policy(Author, AgencyOwnedPermissionPolicy(Author))
register_permission_policy(Agency, AgencyOwnedPermissionPolicy(Agency, agency_path="pk"))
register_permission_policy(Assignment, assignment_policy)
register_snippet(AuthorViewSet)


@hooks.register("register_admin_viewset")
def register_agency_viewset():
    return AgencyViewSet("agencies")


@hooks.register("register_admin_viewset")
def register_assignment_viewset():
    return AssignmentViewSet()


@hooks.register("construct_page_chooser_queryset")
def limit_page_chooser_to_own_agencies(pages, request):
    if request.user.is_superuser:
        return pages
    return pages.filter(agency_trees(request.user))


@hooks.register("construct_admin_api", order=100)  # after wagtail.images' and wagtail.documents' own
def wall_the_admin_api(router):
    router.register_endpoint("images", WalledImagesAdminAPIViewSet)
    router.register_endpoint("documents", WalledDocumentsAdminAPIViewSet)


for staff_bulk_action in STAFF_BULK_ACTIONS:  # in place of Wagtail's own: registered after them
    hooks.register("register_bulk_action", staff_bulk_action, order=100)


@hooks.register("before_move_page")
def refuse_moves_the_user_may_not_make(request, page, destination):
    # Wagtail's move confirmation checks nothing on GET: it would name any page, and its destination, to any
    # admin user.
    if not page.permissions_for_user(request.user).can_move_to(destination):
        from wagtail.admin.auth import permission_denied

        return permission_denied(request)


@hooks.register("register_admin_urls")
def register_newsroom_admin_urls():
    from django.urls import path

    from .views import board, board_columns, overview

    return [
        path("tong-quan/", overview, name="newsroom_overview"),
        path("board/", board, name="newsroom_board"),
        path("board/columns/", board_columns, name="newsroom_board_columns"),
    ]


class OverviewMenuItem(MenuItem):
    def is_shown(self, request):
        return Agency.objects.overseen_by(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_overview_menu_item():
    return OverviewMenuItem(_("Agencies overview"), reverse("newsroom_overview"), icon_name="site", order=150)


class BoardMenuItem(MenuItem):
    def is_shown(self, request):
        return Agency.objects.for_user(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_board_menu_item():
    return BoardMenuItem(_("Newsroom board"), reverse("newsroom_board"), icon_name="tasks", order=90)


@hooks.register("insert_global_admin_js")
def live_newsroom_js():
    """The live newsroom's socket and toasts on every admin page, with their words in the user's language
    (the admin renders its pages in it). The socket refuses anyone who is no agency's staff."""
    from .live import toast_config

    return render_to_string("newsroom/admin/live_js.html", {"config": toast_config()})


@hooks.register("insert_global_admin_css")
def live_newsroom_css():
    return format_html('<link rel="stylesheet" href="{}">', versioned_static("newsroom/live/live.css"))


@hooks.register("register_log_actions")
def register_newsroom_log_actions(actions):
    actions.register_action(
        "newsroom.schedule_cancelled",
        _("Schedule cancelled"),
        _("Scheduled publication cancelled: archive assets expired"),
    )
    actions.register_action("newsroom.story_filed", _("Filed"), _("Filed from the field"))


from .accounts import hooks as accounts_hooks  # noqa: E402, F401
from .audit import hooks as audit_hooks  # noqa: E402, F401
from .filing import hooks as filing_hooks  # noqa: E402, F401  (the filing view registers its own hooks)
