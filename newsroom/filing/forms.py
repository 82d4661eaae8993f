"""Validation of what the filing page sends (a JSON object) into the services' FilingData."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .drafts import MEDIA_KINDS, AssetRef, StoryDraft, normalise_text
from .services import FilingData

MAX_ASSETS = 60
MAX_TEXT = 200_000


class AssetListField(forms.Field):
    """A list of {"id": int, "kind": "image"|"video"|"audio", "caption"?: str, "credit"?: str}."""

    default_error_messages = {
        "invalid": _("The attached files could not be read; reload the page and try again."),
        "too_many": _("A story takes at most %(max)s files."),
    }

    def to_python(self, value):
        if value in (None, ""):
            return ()
        if not isinstance(value, list):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if len(value) > MAX_ASSETS:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": MAX_ASSETS}
            )
        refs = []
        for item in value:
            if not isinstance(item, dict) or item.get("kind") not in MEDIA_KINDS:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            asset_id, caption, credit = item.get("id"), item.get("caption") or "", item.get("credit") or ""
            if (
                not isinstance(asset_id, int)
                or isinstance(asset_id, bool)
                or asset_id < 1
                or not isinstance(caption, str)
                or not isinstance(credit, str)
            ):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            kind = item["kind"]
            refs.append(
                AssetRef(
                    id=asset_id,
                    kind=kind,
                    caption=" ".join(caption.split())[:500],
                    credit=" ".join(credit.split())[:255] if kind == "image" else "",
                )
            )
        return tuple(refs)


class DraftForm(forms.Form):
    filing_id = forms.UUIDField(required=False)
    base_revision = forms.IntegerField(required=False, min_value=1)
    assignment = forms.IntegerField(required=False, min_value=1)
    section = forms.IntegerField(min_value=1, error_messages={"required": _("Choose a section.")})
    title = forms.CharField(max_length=255, error_messages={"required": _("Give the story a headline.")})
    sapo = forms.CharField(max_length=1000, required=False)
    text = forms.CharField(max_length=MAX_TEXT, required=False, strip=False)
    assets = AssetListField(required=False)
    location = forms.CharField(max_length=255, required=False)
    latitude = forms.FloatField(min_value=-90, max_value=90, required=False)
    longitude = forms.FloatField(min_value=-180, max_value=180, required=False)
    desk_note = forms.CharField(max_length=5000, required=False)

    def clean(self):
        cleaned = super().clean()
        both_read = "latitude" not in self.errors and "longitude" not in self.errors
        if both_read and (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error("latitude", _("Give both the latitude and the longitude, or neither."))
        return cleaned

    def filing_data(self) -> FilingData:
        """The validated save; call after is_valid()."""
        data = self.cleaned_data
        draft = StoryDraft(
            section_id=data["section"],
            title=" ".join(data["title"].split()),
            sapo=data["sapo"].strip(),
            text=normalise_text(data["text"]),
            assets=data["assets"],
            location=" ".join(data["location"].split()),
            latitude=data["latitude"],
            longitude=data["longitude"],
            desk_note=data["desk_note"].strip(),
        )
        return FilingData(
            filing_id=data["filing_id"],
            draft=draft,
            base_revision=data["base_revision"],
            assignment_id=data["assignment"],
        )

    def error_payload(self) -> dict:
        """{"error": the first message, "fields": {field: [messages]}}, all translated."""
        fields = {name: [str(m) for m in messages] for name, messages in self.errors.items()}
        first = next(iter(fields.values()))[0] if fields else ""
        return {"error": first, "fields": fields}
