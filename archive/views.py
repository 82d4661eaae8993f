"""Admin views of the archive: deleting an asset that stories use is refused, with the list of them."""

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.admin.auth import permission_denied
from wagtail.images.views import images as image_views
from wagtail.permissions import policy_registry
from wagtailmedia.views import media as media_views

from .models import ArchiveImage, ArchiveMedia
from .services import usage_of


def _refuse_if_used(request, asset):
    """The refusal page when stories use `asset`; None when it may be deleted."""
    if not policy_registry.get_by_type(type(asset)).user_has_permission_for_instance(
        request.user, "delete", asset
    ):
        return permission_denied(request)
    return refusal_if_used(request, asset)


def refusal_if_used(request, asset):
    """A 409 page listing the stories that use `asset`, or None when none does."""
    users = usage_of(asset)
    if not users:
        return None
    return TemplateResponse(
        request,
        "archive/delete_refused.html",
        {
            "asset": asset,
            "users": users,
            "header_title": _("“%(title)s” is in use") % {"title": asset.title},
        },
        status=409,
    )


def delete_image(request, image_id):
    image = get_object_or_404(ArchiveImage, pk=image_id)
    return _refuse_if_used(request, image) or image_views.DeleteView.as_view()(request, image_id=image_id)


def delete_media(request, media_id):
    media = get_object_or_404(ArchiveMedia, pk=media_id)
    return _refuse_if_used(request, media) or media_views.delete(request, media_id=media_id)
