"""Originals are never public: the development media server hands out renditions only, originals to staff."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory

from archive.media_serving import is_public, serve_media
from newsroom.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "public"),
    [
        ("images/anh.width-400.format-webp.webp", True),
        ("archive/renditions/media/7/hls/master.m3u8", True),
        ("archive/renditions/media/7/video.mp4", True),
        ("media_thumbnails/poster.jpg", True),
        ("original_images/anh.jpg", False),
        ("media/clip.mov", False),
        ("archive/uploads/baohaiduong/abc/clip.mov", False),
        ("images/../original_images/anh.jpg", False),
    ],
)
def test_only_renditions_are_public(path, public):
    assert is_public(path) is public


def test_an_original_is_served_to_staff_but_not_to_readers(agency, _media_root):
    original = f"{_media_root}/original_images"
    import os

    os.makedirs(original)
    with open(f"{original}/anh.jpg", "wb") as handle:
        handle.write(b"\xff\xd8 original bytes")
    request = RequestFactory().get("/media/original_images/anh.jpg")
    request.user = AnonymousUser()
    with pytest.raises(Http404):
        serve_media(request, "original_images/anh.jpg", document_root=_media_root)
    request.user = make_user(agency=agency, role=Role.REPORTER)
    response = serve_media(request, "original_images/anh.jpg", document_root=_media_root)
    assert response.status_code == 200


def test_unfinished_uploads_are_served_to_no_one(agency, _media_root):
    import os

    os.makedirs(f"{_media_root}/tus")
    with open(f"{_media_root}/tus/3f2a.part", "wb") as handle:
        handle.write(b"half a video")
    request = RequestFactory().get("/media/tus/3f2a.part")
    request.user = make_user(agency=agency, role=Role.EDITOR)
    with pytest.raises(Http404):
        serve_media(request, "tus/3f2a.part", document_root=_media_root)
