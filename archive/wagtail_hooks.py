from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from . import views
from .models import ArchiveImage, ArchiveMedia
from .permissions import ArchivePermissionPolicy, is_newsroom_staff, not_private_to_others

# exact_class: wagtail.images registers its own policy for the image model in its ready(), which can run
# after this module is imported; an exact-class entry is looked up first.
register_permission_policy(
    ArchiveImage,
    ArchivePermissionPolicy(
        ArchiveImage, auth_model="wagtailimages.Image", owner_field_name="uploaded_by_user"
    ),
    exact_class=True,
)


@hooks.register("construct_image_chooser_queryset")
def usable_images_only(images, request):
    """Choosers offer what is processed and within its licence; shared assets come through the policy."""
    return images.usable().select_related("agency")


@hooks.register("construct_media_chooser_queryset")
def usable_media_only(media, request):
    # wagtailmedia's chooser lists what the user may change; add what other agencies share with everyone.
    shared = (
        ArchiveMedia.objects.filter(sharing="deployment") if is_newsroom_staff(request.user) else media.none()
    )
    visible = ArchiveMedia.objects.filter(pk__in=media.values("pk")) | shared
    return visible.filter(not_private_to_others(request.user)).usable().select_related("agency")


@hooks.register("register_admin_urls", order=-1)
def refuse_deleting_assets_in_use():
    # Ahead of Wagtail's own delete views, at the same addresses: an asset in use is not deleted.
    return [
        path("images/<int:image_id>/delete/", views.delete_image, name="archive_delete_image"),
        path("media/delete/<int:media_id>/", views.delete_media, name="archive_delete_media"),
    ]


@hooks.register("register_admin_urls")
def register_archive_admin_urls():
    return [path("archive/", include("archive.admin_urls"))]


class ArchiveMenuItem(MenuItem):
    def is_shown(self, request):
        return is_newsroom_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_archive_menu_item():
    # "Kho tư liệu": one list of every image, video and audio the user may use, whichever agency owns it.
    return ArchiveMenuItem(_("Archive"), reverse("archive_index"), icon_name="folder-open-inverse", order=250)


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_assets_in_use(request, action_type, objects, action_class_instance):
    """The bulk "delete" of images is refused, with the stories, when any chosen image is in use."""
    if action_type != "delete":
        return None
    for asset in objects:
        if isinstance(asset, (ArchiveImage, ArchiveMedia)):
            refusal = views.refusal_if_used(request, asset)
            if refusal is not None:
                return refusal
    return None
