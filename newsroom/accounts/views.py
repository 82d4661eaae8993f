"""Two-factor sign-in pages, under /admin/two-factor/ (URL names "newsroom_accounts:…"):

GET/POST verify/         after the password: the code from the app (or a recovery code) before any admin page
GET/POST setup/          a new authenticator: QR code and secret, confirmed with a first code; then the
                         recovery codes, shown once
GET      (index)         the person's own two-factor sign-in: status, new recovery codes, turning it off
POST     recovery-codes/ new recovery codes (a current code needed), shown once
POST     remove/         turn it off (a current code needed)
GET/POST reset/<id>/     an agency manager removes a colleague's second factor (a lost phone)
"""

from base64 import b32encode

import segno
from axes.helpers import get_credentials
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from . import lockout, services, two_factor
from .forms import CodeForm

# Below this many recovery codes left, a sign-in with one suggests making new ones.
FEW_RECOVERY_CODES = 3
# Changes to the second factor itself take either kind of code: a lost phone leaves the recovery codes.
ANY_CODE = gettext_lazy("From your authenticator app, or one of your recovery codes.")


@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = request.user
    if two_factor.is_verified(user, request) or not two_factor.has_authenticator(user):
        return redirect(_next_url(request))
    username = user.get_username()
    recovery = request.GET.get("recovery") == "1"
    form = CodeForm(request.POST or None, recovery=recovery)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.verify_sign_in(request=request, code=form.cleaned_data["code"])
        except services.LockedOut:
            return lockout.lockout_response(request, credentials=get_credentials(username))
        except services.TwoFactorError as refusal:
            form.add_error("code", refusal.message)
        else:
            if isinstance(device, StaticDevice):
                _warn_when_few_codes_left(request)
            return redirect(_next_url(request))
    context = {
        "title": _("Two-factor sign-in"),
        "form": form,
        "next": _next_url(request),
        "recovery": recovery,
        "username": username,
    }
    return render(request, "newsroom/accounts/verify.html", context)


@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up an authenticator app: scan the QR code (or type the secret), confirm with the first code."""
    user = request.user
    try:
        device = services.pending_authenticator(user=user)
    except services.AlreadySetUp:
        return redirect("newsroom_accounts:manage")
    form = CodeForm(request.POST or None, help_text=_("The code your app shows now for this account."))
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_authenticator(request=request, code=form.cleaned_data["code"])
        except services.AlreadySetUp:
            return redirect("newsroom_accounts:manage")
        except services.TwoFactorError as refusal:
            form.add_error("code", refusal.message)
        else:
            return _recovery_codes_page(request, codes, continue_url=_next_url(request))
    secret = b32encode(device.bin_key).decode()
    # Sized by its viewBox only, so that the page's CSS can fit it to a phone's width.
    qr = segno.make(device.config_url, error="m").svg_inline(
        omitsize=True, border=4, dark="#000", light="#fff"
    )
    context = {
        "title": _("Set up two-factor sign-in"),
        "form": form,
        # Library-made SVG: the account name is encoded in the modules, never written out as markup.
        "qr": mark_safe(qr),
        "secret": secret,
        "secret_groups": [secret[start : start + 4] for start in range(0, len(secret), 4)],
        # Required and not yet set up: nothing else in the admin opens until this is done.
        "forced": two_factor.required_for(user),
        "requiring_agencies": two_factor.requiring_agencies(user),
        "next": _next_url(request),
    }
    return render(request, "newsroom/accounts/setup.html", context)


def manage(request):
    """The person's own two-factor sign-in."""
    return _manage_page(request)


@require_POST
def renew_recovery_codes(request):
    form = CodeForm(request.POST, prefix="renew", help_text=ANY_CODE)
    if form.is_valid():
        try:
            codes = services.renew_recovery_codes(request=request, code=form.cleaned_data["code"])
        except services.TwoFactorError as refusal:
            form.add_error("code", refusal.message)
        else:
            return _recovery_codes_page(request, codes, continue_url=reverse("newsroom_accounts:manage"))
    return _manage_page(request, renew_form=form)


@require_POST
def remove(request):
    form = CodeForm(request.POST, prefix="remove", help_text=ANY_CODE)
    if form.is_valid():
        try:
            services.remove(request=request, code=form.cleaned_data["code"])
        except services.TwoFactorError as refusal:
            form.add_error("code", refusal.message)
        else:
            messages.success(request, _("Two-factor sign-in is off."))
            # Where it is required, the admin now sends the person to set it up again.
            return redirect("newsroom_accounts:manage")
    return _manage_page(request, remove_form=form)


@require_http_methods(["GET", "POST"])
def reset(request, user_id: int):
    """Confirm, then remove a colleague's second factor. 404 for anyone the user may not reset."""
    target = get_object_or_404(two_factor.resettable_users(request.user), pk=user_id)
    if request.method == "POST":
        try:
            services.reset(request=request, target=target)
        except services.NotAllowed as refusal:  # their roles changed since the page was opened
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                _("Two-factor sign-in of %(name)s was reset: they set it up again at their next sign-in.")
                % {"name": target.get_full_name() or target.get_username()},
            )
        return redirect("wagtailusers_users:index")
    context = {"target": target, "has_authenticator": two_factor.has_authenticator(target)}
    return render(request, "newsroom/accounts/reset.html", context)


# --- helpers ----------------------------------------------------------------------------------------
def _manage_page(request, *, renew_form=None, remove_form=None):
    user = request.user
    context = {
        "device": two_factor.authenticator(user),
        "codes_left": two_factor.recovery_codes_left(user),
        "required": two_factor.required_for(user),
        "requiring_agencies": two_factor.requiring_agencies(user),
        "renew_form": renew_form or CodeForm(prefix="renew", help_text=ANY_CODE),
        "remove_form": remove_form or CodeForm(prefix="remove", help_text=ANY_CODE),
    }
    return render(request, "newsroom/accounts/manage.html", context)


def _recovery_codes_page(request, codes: list[str], *, continue_url: str):
    context = {"title": _("Your recovery codes"), "codes": codes, "continue_url": continue_url}
    return render(request, "newsroom/accounts/recovery_codes.html", context)


def _warn_when_few_codes_left(request) -> None:
    left = two_factor.recovery_codes_left(request.user)
    if left < FEW_RECOVERY_CODES:
        messages.warning(
            request,
            ngettext(
                "You have %(count)d recovery code left: make new ones in Account → Two-factor sign-in.",
                "You have %(count)d recovery codes left: make new ones in Account → Two-factor sign-in.",
                left,
            )
            % {"count": left},
        )


def _next_url(request) -> str:
    """Where to go after the step: `next` when it stays on this site, else the admin's dashboard."""
    url = request.POST.get("next") or request.GET.get("next")
    safe = url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else reverse("wagtailadmin_home")
