"""Wagtail's site history report, walled by agency for everyone but superusers.

Wagtail lists the page log entries of the pages a user may explore (their agencies' trees) and every model
log entry of any model the user holds some permission on, whichever agency it concerns: an editor (who may add
authors) saw every agency's author changes, a manager every agency's staff and agency records. Its filters
named every person who ever edited a page and every action anyone took. Here each log model is further
limited to the objects of the user's agencies (newsroom.audit.attribution), and the filters offer only what
those entries hold. newsroom.walls.WalledViewsMiddleware serves this view in place of Wagtail's.
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import IntegerField, Value
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import ContentTypeFilter
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.log_actions import registry as log_registry
from wagtail.models import PageLogEntry

from newsroom.models import Agency

from .attribution import model_entries, page_entries


def walled_entries(log_model, user):
    """The entries of `log_model` Wagtail lets `user` see, limited to the objects of the user's agencies."""
    entries = log_model.objects.viewable_by_user(user)
    if user.is_superuser:
        return entries
    agencies = list(Agency.objects.for_user(user).select_related("site__root_page"))
    if log_model is PageLogEntry:
        condition = page_entries(agencies)
    else:
        condition = model_entries([agency.pk for agency in agencies])
    return entries.filter(condition) if condition is not None else entries.none()


def _walled(user) -> list:
    return [walled_entries(log_model, user) for log_model in log_registry.get_log_entry_models()]


def _content_types(request):
    ids = set()
    for entries in _walled(request.user):
        ids |= entries.get_content_type_ids()
    return ContentType.objects.filter(pk__in=ids).order_by("model")


class WalledSiteHistoryFilterSet(SiteHistoryReportFilterSet):
    object_type = ContentTypeFilter(label=_("Type"), method="filter_object_type", queryset=_content_types)

    def get_action_choices(self):
        actions = set()
        for entries in _walled(self.request.user):
            actions |= entries.get_actions()
        return [choice for choice in log_registry.get_choices() if choice[0] in actions]

    def get_users_queryset(self):
        ids = set()
        for entries in _walled(self.request.user):
            ids |= entries.get_user_ids()
        User = get_user_model()
        return User.objects.filter(pk__in=ids).order_by(User.USERNAME_FIELD)


class WalledSiteHistoryView(LogEntriesView):
    filterset_class = WalledSiteHistoryFilterSet

    def get_filtered_queryset(self):
        # As Wagtail's (a union of (pk, timestamp, model index) rows, decorated after pagination), with
        # each log model walled.
        self.log_models = list(log_registry.get_log_entry_models())
        queryset = None
        for index, log_model in enumerate(self.log_models):
            rows = walled_entries(log_model, self.request.user).values("pk", "timestamp")
            rows = self.filter_queryset(
                rows.annotate(log_model_index=Value(index, output_field=IntegerField()))
            )
            rows = rows.order_by()
            queryset = rows if queryset is None else queryset.union(rows, all=True)
        return queryset.order_by("-timestamp")
