"""Serving uploaded files from the local media folder, for `make run` (DEBUG) only.

Published stories use renditions; originals are for staff. The same rule must hold wherever files are served:
in production the web server (or the CDN) exposes only PUBLIC_PREFIXES of the media folder.
"""

from django.http import Http404
from django.views.static import serve

from newsroom.accounts import two_factor

# Renditions: Wagtail's image renditions, and the posters, MP4, HLS and audio made by the archive's ingest.
PUBLIC_PREFIXES = ("images/", "archive/renditions/", "media_thumbnails/")


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES) and ".." not in path.split("/")


def serve_media(request, path, document_root=None):
    """Renditions to anyone; originals only to people signed in to the admin; unfinished uploads to no one."""
    if path.startswith("tus/"):  # bytes still arriving belong to their uploader, through archive.tus only
        raise Http404("Not a served file")
    if not is_public(path) and not (
        request.user.has_perm("wagtailadmin.access_admin") and two_factor.is_satisfied(request.user, request)
    ):
        raise Http404("Not a public file")
    return serve(request, path, document_root=document_root)
