"""Wagtail hooks of the accounts package (imported by newsroom.wagtail_hooks): the two-factor pages, the
account page's "Two-factor sign-in" item, and the staff listing's reset button for agency managers."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail import hooks
from wagtail.admin.widgets.button import Button

from . import two_factor


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    from . import urls

    return [path("two-factor/", include((urls.urlpatterns, urls.app_name), namespace=urls.app_name))]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("newsroom_accounts:manage"),
        "label": _("Two-factor sign-in"),
        "help_text": _("Confirm each sign-in with a code from an authenticator app on your phone."),
    }


@hooks.register("register_user_listing_buttons")
def reset_two_factor_button(user, request_user):
    if user.pk not in _resettable_with_authenticator(request_user):
        return []
    url = reverse("newsroom_accounts:reset", args=[user.pk])
    return [Button(_("Reset two-factor sign-in"), url=url, icon_name="key", priority=60)]


def _resettable_with_authenticator(actor) -> frozenset[int]:
    # The listing asks once per row; one query for the whole page, kept on the request's user object.
    known = getattr(actor, "_newsroom_two_factor_resettable", None)
    if known is None:
        with_app = TOTPDevice.objects.filter(confirmed=True).values("user_id")
        known = frozenset(
            two_factor.resettable_users(actor).filter(pk__in=with_app).values_list("pk", flat=True)
        )
        actor._newsroom_two_factor_resettable = known
    return known
