"""Reads for the archive's admin pages: which assets a user sees, and the filters and search over them."""

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail.permissions import policy_registry

from newsroom.models import Agency

from .models import ArchiveImage, ArchiveMedia, Sharing, State
from .permissions import is_newsroom_staff, not_private_to_others

EXPIRING_DAYS = 30
KINDS = (("image", gettext_lazy("Image")), ("video", gettext_lazy("Video")), ("audio", gettext_lazy("Audio")))


# --- Who sees what ------------------------------------------------------------------------------


def visible_images(user):
    """Images the user may choose: their agencies' and those shared with everyone; not others' private."""
    return policy_registry.get_by_type(ArchiveImage).instances_user_has_any_permission_for(user, ["choose"])


def visible_media(user):
    """Media of the agencies where the user may add, change or delete media, and media shared with everyone.

    wagtailmedia has no "choose" permission, and "change" would show a reporter only their own uploads:
    the collection a user works in is their agency's archive. Shared media is added as the media chooser does.
    """
    policy = policy_registry.get_by_type(ArchiveMedia)
    if user.is_active and user.is_superuser:
        return ArchiveMedia.objects.all()
    collections = policy.collections_user_has_any_permission_for(user, ["add", "change", "delete"])
    visible = Q(collection__in=collections)
    if is_newsroom_staff(user):
        visible |= Q(sharing=Sharing.DEPLOYMENT)
    return ArchiveMedia.objects.filter(visible).filter(not_private_to_others(user))


def editable_ids(model, user, ids) -> set:
    """Of `ids`, those the user may edit in Wagtail (one query, whatever the page's length)."""
    policy = policy_registry.get_by_type(model)
    return set(
        policy.instances_user_has_any_permission_for(user, ["change"])
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )


# --- Filters and search -------------------------------------------------------------------------


class LicenceState:
    VALID, EXPIRING, EXPIRED = "valid", "expiring", "expired"
    CHOICES = (
        (VALID, gettext_lazy("Valid (not expired)")),
        (EXPIRING, gettext_lazy("Expiring within 30 days")),
        (EXPIRED, gettext_lazy("Expired")),
    )


ALL = gettext_lazy("All")


def _with_blank(choices):
    return [("", ALL), *choices]


class ArchiveFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=_with_blank(KINDS), required=False)
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Agency"), queryset=Agency.objects.none(), required=False
    )
    date_from = forms.DateField(
        label=gettext_lazy("Captured from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("Captured until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    licence_state = forms.ChoiceField(
        label=gettext_lazy("Licence"), choices=_with_blank(LicenceState.CHOICES), required=False
    )
    state = forms.ChoiceField(label=gettext_lazy("State"), choices=_with_blank(State.choices), required=False)
    tag = forms.CharField(label=gettext_lazy("Tag"), required=False)
    sharing = forms.ChoiceField(
        label=gettext_lazy("Sharing"), choices=_with_blank(Sharing.choices), required=False
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].empty_label = ALL

    @cached_property
    def values(self) -> dict:
        """The valid filters: a wrong date is shown as an error beside its field, the others still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def filter(self, queryset, *, kind_field=None):
        """`queryset` narrowed by every filter filled in; `kind_field` is the media model's "type"."""
        data = self.values
        if data.get("q", "").strip():
            queryset = queryset.filter(pk__in=search_hits(queryset.model, data["q"].strip()))
        if data.get("kind") and kind_field:
            queryset = queryset.filter(**{kind_field: data["kind"]})
        exact = {name: data.get(name) for name in ("agency", "state", "sharing") if data.get(name)}
        queryset = queryset.filter(**exact)
        if data.get("date_from") or data.get("date_to"):
            queryset = queryset.alias(taken=Coalesce("captured_at", "created_at"))
            if data.get("date_from"):
                queryset = queryset.filter(taken__date__gte=data["date_from"])
            if data.get("date_to"):
                queryset = queryset.filter(taken__date__lte=data["date_to"])
        if data.get("licence_state"):
            queryset = queryset.filter(licence_filter(data["licence_state"]))
        if data.get("tag", "").strip():
            tagged = queryset.model.objects.filter(tags__name__iexact=data["tag"].strip())
            queryset = queryset.filter(pk__in=tagged.values("pk"))
        return queryset

    def wants(self, kind: str) -> bool:
        chosen = self.values.get("kind")
        return not chosen or chosen == kind or (kind == "media" and chosen in ("video", "audio"))


def licence_filter(licence_state: str, *, now=None) -> Q:
    now = now or timezone.now()
    soon = now + timedelta(days=EXPIRING_DAYS)
    if licence_state == LicenceState.EXPIRED:
        return Q(expires_at__lte=now)
    if licence_state == LicenceState.EXPIRING:
        return Q(expires_at__gt=now, expires_at__lte=soon)
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def search_hits(model, query: str):
    """The primary keys of `model`'s assets matching `query` in Wagtail search (title, caption, credit,
    location, tags), to combine with the filters as one more condition.

    The database backends answer with a queryset, kept as a subquery; other backends (Elasticsearch)
    answer with objects, whose keys are taken.
    """
    from newsroom.search import fold

    hits = model.objects.search(fold(query), operator="and", order_by_relevance=False)
    as_queryset = getattr(hits, "get_queryset", None)
    if callable(as_queryset):
        return as_queryset().values("pk")
    return [hit.pk for hit in hits]
