"""Walls around views that Wagtail and wagtailmedia mount, which would otherwise show one agency's staff
what belongs to another agency (tests/newsroom/test_url_matrix.py finds them).

Wagtail's own admin URLs come before any a hook adds, so they cannot be replaced by URL: WalledViewsMiddleware
answers them by URL name from the walled views here, for everyone but superusers. The admin API's image
and document endpoints are replaced through Wagtail's construct_admin_api hook (newsroom/wagtail_hooks.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.cache import never_cache
from wagtail import hooks
from wagtail.admin.auth import permission_denied, require_admin_access
from wagtail.admin.views.chooser import ChosenMultipleView
from wagtail.admin.views.reports.page_types_usage import (
    PageTypesUsageReportFilterSet,
    PageTypesUsageReportView,
)
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.models import Page, PageLogEntry, Site
from wagtail.permissions import policy_registry

from .models import Agency


def agency_trees(user) -> Q:
    """Pages in the trees of the user's agencies, and the tree's root (never another agency's pages)."""
    condition = Q(depth=1)
    for path in Agency.objects.for_user(user).values_list("site__root_page__path", flat=True):
        condition |= Q(path__startswith=path)
    return condition


# --- the admin API (Wagtail leaves out only collections with a view restriction) ---------------------------
class _ChooseableOnly:
    """What the user may choose, as the choosers show it."""

    def get_queryset(self):
        objects = super().get_queryset()
        if self.request.user.is_superuser:
            return objects
        return objects.filter(
            pk__in=policy_registry.get_by_type(self.model).instances_user_has_any_permission_for(
                self.request.user, ["choose"]
            )
        )


class WalledImagesAdminAPIViewSet(_ChooseableOnly, ImagesAdminAPIViewSet):
    pass


class WalledDocumentsAdminAPIViewSet(_ChooseableOnly, DocumentsAdminAPIViewSet):
    pass


# --- views answered by WalledViewsMiddleware ------------------------------------------------------------
class WalledChosenMultipleView(ChosenMultipleView):
    """The page chooser's last step for several pages, limited as the chooser is (the hook
    construct_page_chooser_queryset): Wagtail's answers any page's title, parent and URL."""

    def get(self, request):
        pages = Page.objects.filter(pk__in=[pk for pk in request.GET.getlist("id") if pk.isdigit()])
        for hook in hooks.get_hooks("construct_page_chooser_queryset"):
            pages = hook(pages, request)
        result = [
            {
                "id": page.pk,
                "parentId": page.get_parent().pk,
                "adminTitle": page.get_admin_display_title(),
                "editUrl": reverse("wagtailadmin_pages:edit", args=(page.pk,)),
                "url": page.url,
            }
            for page in pages.specific()
        ]
        return self.render_chosen_response(result)


class WalledPageTypesUsageReportFilterSet(PageTypesUsageReportFilterSet):
    """Offers the user's agencies' sites only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        own = set(Agency.objects.for_user(self.request.user).values_list("site__root_page__path", flat=True))
        self.sites = {pk: site for pk, site in self.sites.items() if site.root_page.path in own}
        if "site" in self.filters:
            if len(self.sites) > 1:
                self.filters["site"].extra["choices"] = [
                    (site.root_page.path, str(site)) for site in self.sites.values()
                ]
            else:
                del self.filters["site"]
                self.sites_filter_enabled = False


class WalledPageTypesUsageReportView(PageTypesUsageReportView):
    """The page types report over the user's agencies only: Wagtail's counts every agency's pages, names the
    last edited page of each type wherever it is, and offers every site in its filter."""

    filterset_class = WalledPageTypesUsageReportFilterSet

    def get_queryset(self):
        queryset = ContentType.objects.filter(model__in=self.page_models)
        visible = Page.objects.filter(agency_trees(self.request.user), depth__gt=1)
        page_type = ContentType.objects.get_for_model(Page)
        if not visible.filter(content_type=page_type).exists():
            queryset = queryset.exclude(id=page_type.id)
        self.queryset = queryset
        queryset = self.filter_queryset(queryset)

        pages = visible
        language_code = self.filters.form.cleaned_data.get("page_locale")
        site_root_path = self.filters.form.cleaned_data.get("site")
        if language_code:
            pages = pages.filter(locale__language_code=language_code)
        if site_root_path:
            pages = pages.filter(path__startswith=site_root_path)
        latest = pages.filter(content_type=OuterRef("pk")).order_by(
            F("latest_revision_created_at").desc(nulls_last=True), "title", "-pk"
        )
        return queryset.annotate(
            count=Count("pages", filter=Q(pages__in=pages)),
            last_edited_page_id=Subquery(latest.values("pk")[:1]),
        ).order_by("-count", "app_label", "model")


ANY_MEDIA_PERMISSION = ["add", "change", "delete"]


def media_usage(request, media_id):
    """wagtailmedia's usage page, for media the user may add, change or delete in its collection: wagtailmedia
    checks the model permission only, and names any media and where it is used."""
    from wagtailmedia.models import get_media_model
    from wagtailmedia.permissions import permission_policy
    from wagtailmedia.views.media import usage

    media = get_object_or_404(get_media_model(), id=media_id)
    if not permission_policy.user_has_any_permission_for_instance(request.user, ANY_MEDIA_PERMISSION, media):
        return permission_denied(request)
    return usage(request, media_id)


# --- the page listings' filters --------------------------------------------------------------------------
def _visible_pages(user):
    return Page.objects.all() if user.is_superuser else Page.objects.filter(agency_trees(user))


def _page_owners(request):
    owners = _visible_pages(request.user).order_by().values_list("owner_id", flat=True).distinct()
    return get_user_model().objects.filter(pk__in=owners)


def _page_editors(request):
    edits = PageLogEntry.objects.filter(action="wagtail.edit")
    if not request.user.is_superuser:
        edits = edits.filter(page__in=_visible_pages(request.user))
    editors = edits.order_by().values_list("user_id", flat=True).distinct()
    return get_user_model().objects.filter(pk__in=editors)


def _sites(request):
    if request.user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(agency__in=Agency.objects.for_user(request.user))


def wall_page_filters() -> None:
    """Wagtail's page listings (explorer, page type use, forms) offer every page owner, editor and site of
    every agency in their filters, and give no hook to change that: their filter objects, shared by every
    page filter set, are given walled choices once, when the app is ready."""
    from wagtail.admin.views.pages.listing import PageFilterSet

    filters = PageFilterSet.base_filters
    filters["owner"].queryset = _page_owners
    filters["edited_by"].queryset = _page_editors
    filters["site"].queryset = _sites


def _as_admin_view(view: Callable) -> Callable:
    """A view as Wagtail's admin URLs serve theirs: admin access required, never cached."""
    return never_cache(require_admin_access(view))


@cache
def walled_views() -> dict[str, Callable]:
    """URL name → the walled view that answers it; built once, on the first request that needs one."""
    from .audit.site_history import WalledSiteHistoryView

    return {
        name: _as_admin_view(view)
        for name, view in {
            "wagtailadmin_reports:site_history": WalledSiteHistoryView.as_view(),
            "wagtailadmin_reports:site_history_results": WalledSiteHistoryView.as_view(results_only=True),
            "wagtailadmin_choose_page_chosen_multiple": WalledChosenMultipleView.as_view(),
            "wagtailadmin_reports:page_types_usage": WalledPageTypesUsageReportView.as_view(),
            "wagtailadmin_reports:page_types_usage_results": WalledPageTypesUsageReportView.as_view(
                results_only=True
            ),
            "wagtailmedia:media_usage": media_usage,
        }.items()
    }


class WalledViewsMiddleware:
    """Answers the views in walled_views() from their walled versions. Put after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        walled = walled_views().get(match.view_name) if match is not None else None
        user = getattr(request, "user", None)
        if walled is None or user is None or not user.is_authenticated or user.is_superuser:
            return None  # Wagtail's own view: its login redirect, and everything for superusers
        return walled(request, *view_args, **view_kwargs)
