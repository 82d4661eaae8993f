"""The form every CSV import page of the admin shares: one of the user's agencies and a bounded file."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsroom.models import Agency

MAX_UPLOAD_BYTES = (
    2 * 1024 * 1024
)  # fifty years of a ledger, or every course of a large agency: a few hundred KB


class ImportForm(forms.Form):
    agency = forms.ModelChoiceField(label=gettext_lazy("Agency"), queryset=Agency.objects.none())
    file = forms.FileField(label=gettext_lazy("CSV file"))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload
