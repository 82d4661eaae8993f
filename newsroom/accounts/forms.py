from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """One code: six digits from the authenticator app, or (where `recovery`) one of the recovery codes."""

    code = forms.CharField(label=_("Code"), max_length=32)

    def __init__(self, *args, recovery: bool = False, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.widget.attrs.update(
            {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        )
        if recovery:
            field.label = _("Recovery code")
        else:
            field.label = _("6-digit code")
            field.widget.attrs["inputmode"] = "numeric"
        if help_text:
            field.help_text = help_text
