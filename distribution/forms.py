"""The channel form (its platform's settings and secrets included) and the delivery log's filters."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm

from newsroom.models import Agency, StoryFormat

from .adapters import adapter_class, adapter_classes
from .models import Channel, ChannelKind, Delivery, DeliveryAction, DeliveryState
from .selectors import ANY_CHANNEL_ACTION, channel_policy, sections_of

SETTING, CREDENTIAL = "setting", "credential"


def platform_field_name(kind: str, group: str, name: str) -> str:
    """The form field of one platform setting or credential: every kind's fields are in the form at once,
    and the page shows those of the chosen kind."""
    return f"platform__{kind}__{group}__{name}"


def platform_field_names() -> list[str]:
    return [
        platform_field_name(kind, group, name)
        for kind, cls in adapter_classes().items()
        for group, fields in ((SETTING, cls.setting_fields), (CREDENTIAL, cls.credential_fields))
        for name in fields
    ]


class ChannelForm(WagtailAdminModelForm):
    """A channel of the user's agencies. Credentials are write-only: the inputs never show what is stored
    (their help text shows it masked), and one left empty keeps the stored value."""

    base_url = Channel._meta.get_field("base_url").formfield(assume_scheme="https")
    formats = forms.MultipleChoiceField(
        label=capfirst(_("formats")),
        choices=StoryFormat.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty: every format."),
    )

    class Meta:
        model = Channel
        fields = [
            "agency",
            "kind",
            "name",
            "enabled",
            "domestic",
            "base_url",
            "auto_publish",
            "sections",
            "formats",
            "tags",
        ]
        widgets = {"sections": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        user = self.for_user
        agencies = (
            channel_policy.agencies_for(user, ["add"] if creating else ["change"])
            if user
            else Agency.objects.none()
        )
        self.fields["agency"].queryset = agencies.order_by("name")
        if len(agencies) == 1:
            self.fields["agency"].empty_label = None
            self.fields["agency"].initial = agencies[0].pk
        self._limit_sections(agencies)
        if creating:
            kind = self.initial.get("kind") or ChannelKind.ZALO
            self.initial.setdefault("kind", kind)
            self.initial.setdefault("domestic", adapter_class(kind).domestic)
        else:
            # Posts already on the platform are known by their id there: another platform cannot update them.
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("To use another platform, add a new channel.")
        self._add_platform_fields()

    def _limit_sections(self, agencies):
        sections = sections_of(agencies)
        field = self.fields["sections"]
        field.queryset = sections
        if len(agencies) > 1:
            names = {agency.root_page.path: agency.short_name for agency in agencies.select_related("site")}
            steplen = sections.model.steplen
            field.label_from_instance = lambda section: (
                f"{names.get(section.path[: 2 * steplen], '')} · {section}"
            )

    def _add_platform_fields(self):
        stored_kind = self.instance.kind if self.instance.pk else None
        masked = self.instance.masked_credentials() if self.instance.pk else {}
        for kind, cls in adapter_classes().items():
            for name, label in cls.setting_fields.items():
                self.fields[platform_field_name(kind, SETTING, name)] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=1000,
                    initial=(self.instance.settings or {}).get(name, "") if kind == stored_kind else "",
                )
            for name, label in cls.credential_fields.items():
                shown = masked.get(name) if kind == stored_kind else None
                self.fields[platform_field_name(kind, CREDENTIAL, name)] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=4000,
                    strip=True,
                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                    help_text=(
                        _("Stored: %(masked)s. Leave empty to keep it.") % {"masked": shown}
                        if shown
                        else _("Not set yet.")
                    ),
                )

    def platform_groups(self) -> list[dict]:
        """Each platform with the bound fields it asks for, for the platform panel."""
        groups = []
        for kind, cls in adapter_classes().items():
            settings = [self[platform_field_name(kind, SETTING, name)] for name in cls.setting_fields]
            secrets = [self[platform_field_name(kind, CREDENTIAL, name)] for name in cls.credential_fields]
            groups.append(
                {
                    "kind": kind,
                    "label": cls.label,
                    "domestic": cls.domestic,
                    "base_url": cls.default_base_url,
                    "settings": settings,
                    "credentials": secrets,
                }
            )
        return groups

    def clean(self):
        cleaned = super().clean()
        agency, sections = cleaned.get("agency"), cleaned.get("sections")
        if agency and sections:
            home = agency.root_page
            if any(not section.path.startswith(home.path) for section in sections):
                self.add_error("sections", _("Choose sections of the channel’s own agency."))
        kind = cleaned.get("kind")
        if kind:
            self._collect_platform_values(kind)
        return cleaned

    def _collect_platform_values(self, kind: str) -> None:
        cls = adapter_class(kind)
        settings = dict(self.instance.settings or {}) if self.instance.kind == kind else {}
        for name in cls.setting_fields:
            value = (self.cleaned_data.get(platform_field_name(kind, SETTING, name)) or "").strip()
            if value:
                settings[name] = value
            else:
                settings.pop(name, None)
        entered = {
            name: value
            for name in cls.credential_fields
            if (value := self.cleaned_data.get(platform_field_name(kind, CREDENTIAL, name)))
        }
        # Credentials the adapter stored itself (a refreshed token) are kept with the ones typed here.
        stored = dict(self.instance.credentials or {}) if self.instance.kind == kind else {}
        self.platform_settings, self.platform_credentials = settings, {**stored, **entered}

    def save(self, commit=True):
        self.instance.settings = self.platform_settings
        self.instance.credentials = self.platform_credentials
        return super().save(commit=commit)


# --- The delivery log's filters -----------------------------------------------------------------------


def _visible_channels(request):
    return (
        channel_policy.instances_user_has_any_permission_for(request.user, ANY_CHANNEL_ACTION)
        .select_related("agency")
        .order_by("agency__name", "name")
    )


class FailedDeliveryFilterSet(WagtailFilterSet):
    """Filters of the failed list; the whole log adds the state."""

    channel = django_filters.ModelChoiceFilter(
        label=_("Channel"), queryset=_visible_channels, empty_label=_("Any channel")
    )
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=DeliveryAction.choices, empty_label=_("Any action")
    )
    created_at = django_filters.DateFromToRangeFilter(label=_("Created"), widget=DateRangePickerWidget)

    class Meta:
        model = Delivery
        fields = ["channel", "action", "created_at"]


class DeliveryFilterSet(FailedDeliveryFilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=DeliveryState.choices, empty_label=_("Any state")
    )

    class Meta:
        model = Delivery
        fields = ["state", "channel", "action", "created_at"]
