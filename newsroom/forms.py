from django import forms
from wagtail.admin.forms import WagtailAdminPageForm


class StoryPageForm(WagtailAdminPageForm):
    """Offers only the bylines of the agency the story belongs to; refuses to publish expired assets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "authors" not in self.fields:
            return
        from .models import Agency, Author

        agency = Agency.objects.for_page(self.parent_page if self.instance.pk is None else self.instance)
        self.fields["authors"].queryset = Author.objects.filter(agency=agency)

    def clean(self):
        cleaned = super().clean()
        if not getattr(self, "is_deferred_validation", False):
            # Publishing, submitting or approving: an expired archive asset cannot go out.
            from archive.usage import expired_assets, expired_message

            expired = expired_assets(
                lead_image=cleaned.get("lead_image"),
                lead_media=cleaned.get("lead_media"),
                body=cleaned.get("body"),
            )
            if expired:
                raise forms.ValidationError(expired_message(expired), code="expired_asset")
        return cleaned
