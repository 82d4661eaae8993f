"""The archive's admin pages: who sees which asset, filters and search, the preview, and uploading files."""

import io
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from archive.models import ArchiveImage, ArchiveMedia, Licence, Sharing, State
from newsroom.models import Role
from tests.factories import make_image, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporter(staff):
    return staff[Role.REPORTER]


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the search index, the ingest) while assets are made."""
    with django_capture_on_commit_callbacks(execute=True):
        yield


def make_clip(*, agency, title, kind="audio", **fields):
    fields.setdefault("state", State.READY)
    return ArchiveMedia.objects.create(
        title=title, type=kind, file="media/clip.mp3", collection=agency.collection, agency=agency, **fields
    )


def listing(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("archive_index"), params)
    assert response.status_code == 200
    return response.content.decode()


def shown(page: str, *titles) -> list[str]:
    return [title for title in titles if title in page]


def test_listing_shows_own_and_shared_assets_but_not_other_agencies_or_others_private(
    client, agency, other_agency, staff, reporter
):
    make_image(agency=agency, title="Ảnh của Hải Dương")
    make_clip(agency=agency, title="Bản tin sáng", kind="audio")
    make_image(agency=other_agency, title="Ảnh dùng chung", sharing=Sharing.DEPLOYMENT)
    make_clip(agency=other_agency, title="Video dùng chung", kind="video", sharing=Sharing.DEPLOYMENT)
    make_image(agency=other_agency, title="Ảnh riêng của Sóc Trăng")
    make_clip(agency=other_agency, title="Video riêng của Sóc Trăng", kind="video")
    make_image(
        agency=agency, title="Ảnh riêng tư", sharing=Sharing.PRIVATE, uploaded_by_user=staff[Role.EDITOR]
    )
    everything = (
        *("Ảnh của Hải Dương", "Bản tin sáng", "Ảnh dùng chung", "Video dùng chung"),
        *("Ảnh riêng của Sóc Trăng", "Video riêng của Sóc Trăng", "Ảnh riêng tư"),
    )
    page = listing(client, reporter)
    assert shown(page, *everything) == list(everything[:4])
    assert "Ảnh riêng tư" in listing(client, staff[Role.EDITOR])


def test_a_shared_asset_of_another_agency_is_read_only(client, agency, other_agency, staff):
    editor = staff[Role.EDITOR]
    own = make_image(agency=agency, title="Ảnh của mình")
    shared = make_image(agency=other_agency, title="Ảnh dùng chung", sharing=Sharing.DEPLOYMENT)
    page = listing(client, editor)
    assert reverse("wagtailimages:edit", args=[own.pk]) in page
    assert reverse("wagtailimages:image_usage", args=[own.pk]) in page
    assert reverse("wagtailimages:edit", args=[shared.pk]) not in page
    assert reverse("archive_detail", args=["image", shared.pk]) in page


def test_newest_first(client, agency, reporter):
    for title in ("Ảnh thứ nhất", "Ảnh thứ hai"):
        make_image(agency=agency, title=title)
    make_clip(agency=agency, title="Bản tin thứ ba")
    page = listing(client, reporter)
    assert page.index("Bản tin thứ ba") < page.index("Ảnh thứ hai") < page.index("Ảnh thứ nhất")


@pytest.fixture
def assortment(agency, other_agency, staff, indexed):
    """Assets that differ in one property each, for the filters."""
    now = timezone.now()
    make_image(
        agency=agency,
        title="Lũ quét ở Yên Bái",
        caption="Nước lũ tràn qua bản",
        credit="Nguyễn Văn An",
        captured_at=now - timedelta(days=400),
        expires_at=now - timedelta(days=1),
    ).tags.add("thiên tai")
    make_image(
        agency=agency,
        title="Hội nghị tỉnh ủy",
        state=State.FAILED,
        failure_reason="The file is damaged.",
        expires_at=now + timedelta(days=10),
    )
    make_clip(agency=agency, title="Bản tin thời sự", kind="video", expires_at=now + timedelta(days=90))
    make_clip(
        agency=agency,
        title="Phỏng vấn bác sĩ",
        kind="audio",
        sharing=Sharing.PRIVATE,
        uploaded_by_user=staff[Role.REPORTER],
    )
    make_image(agency=other_agency, title="Cầu Cần Thơ", sharing=Sharing.DEPLOYMENT)


ALL = ("Lũ quét ở Yên Bái", "Hội nghị tỉnh ủy", "Bản tin thời sự", "Phỏng vấn bác sĩ", "Cầu Cần Thơ")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ALL),
        ({"kind": "image"}, ("Lũ quét ở Yên Bái", "Hội nghị tỉnh ủy", "Cầu Cần Thơ")),
        ({"kind": "video"}, ("Bản tin thời sự",)),
        ({"kind": "audio"}, ("Phỏng vấn bác sĩ",)),
        ({"state": "failed"}, ("Hội nghị tỉnh ủy",)),
        ({"sharing": "private"}, ("Phỏng vấn bác sĩ",)),
        ({"sharing": "deployment"}, ("Cầu Cần Thơ",)),
        ({"licence_state": "expired"}, ("Lũ quét ở Yên Bái",)),
        ({"licence_state": "expiring"}, ("Hội nghị tỉnh ủy",)),
        ({"licence_state": "valid"}, ALL[1:]),
        ({"tag": "Thiên tai"}, ("Lũ quét ở Yên Bái",)),
        ({"q": "lũ"}, ("Lũ quét ở Yên Bái",)),
        ({"q": "Nguyễn Văn An"}, ("Lũ quét ở Yên Bái",)),
        ({"q": "thời sự"}, ("Bản tin thời sự",)),
        ({"q": "thoi su"}, ("Bản tin thời sự",)),  # without diacritics
        ({"q": "lu quet yen bai"}, ("Lũ quét ở Yên Bái",)),
        ({"q": "cau can tho"}, ("Cầu Cần Thơ",)),
        ({"q": "lũ", "kind": "video"}, ()),
    ],
)
def test_filters_and_search_narrow_the_listing(client, assortment, reporter, params, expected):
    assert shown(listing(client, reporter, **params), *ALL) == list(expected)


def test_agency_and_date_filters(client, assortment, reporter, agency, other_agency):
    assert shown(listing(client, reporter, agency=other_agency.pk), *ALL) == ["Cầu Cần Thơ"]
    assert "Cầu Cần Thơ" not in shown(listing(client, reporter, agency=agency.pk), *ALL)
    # The date is when it was captured, else when it was uploaded.
    long_ago = timezone.localdate(timezone.now() - timedelta(days=400))  # the local date, as filters use
    assert shown(listing(client, reporter, date_to=long_ago.isoformat()), *ALL) == ["Lũ quét ở Yên Bái"]
    assert "Lũ quét ở Yên Bái" not in listing(client, reporter, date_from=timezone.localdate().isoformat())


def test_failed_asset_shows_why(client, agency, reporter):
    make_image(agency=agency, title="Ảnh hỏng", state=State.FAILED, failure_reason="Tệp bị hỏng ở giữa.")
    page = listing(client, reporter)
    assert "archive-state--failed" in page and "Tệp bị hỏng ở giữa." in page


def _queries_for_listing(client, user) -> int:
    client.get(reverse("archive_index"))  # the first visit makes any thumbnail the ingest did not
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("archive_index")).status_code == 200
    return len(queries)


def test_listing_costs_the_same_queries_for_5_or_30_assets(client, agency, other_agency, reporter):
    client.force_login(reporter)

    def add(count):
        for n in range(count):
            make_image(agency=agency, title=f"Ảnh {n}", credit="TTXVN").tags.add("thời sự")
            make_clip(agency=agency, title=f"Clip {n}", kind="video")
            make_image(agency=other_agency, title=f"Ảnh chung {n}", sharing=Sharing.DEPLOYMENT)

    add(2)
    few = _queries_for_listing(client, reporter)
    add(8)
    many = _queries_for_listing(client, reporter)
    assert few == many, f"{few} queries for 6 assets, {many} for 30"


def test_detail_shows_an_asset_and_hides_another_agencys(client, agency, other_agency, reporter):
    own = make_image(
        agency=agency, title="Ảnh của mình", credit="TTXVN", licence=Licence.CC_BY, uploaded_by_user=reporter
    )
    hidden = make_image(agency=other_agency, title="Ảnh riêng của Sóc Trăng")
    shared = make_clip(
        agency=other_agency, title="Video dùng chung", kind="video", sharing=Sharing.DEPLOYMENT
    )
    client.force_login(reporter)
    response = client.get(reverse("archive_detail", args=["image", own.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ảnh của mình" in page and "TTXVN" in page and "<img" in page
    assert reverse("wagtailimages:edit", args=[own.pk]) in page
    assert client.get(reverse("archive_detail", args=["image", hidden.pk])).status_code == 404
    assert client.get(reverse("archive_detail", args=["video", shared.pk])).status_code == 200
    assert client.get(reverse("archive_detail", args=["audio", shared.pk])).status_code == 404


def test_video_detail_plays_hls_then_mp4(client, agency, reporter):
    clip = make_clip(
        agency=agency, title="Phóng sự", kind="video", hls_playlist="hls/1/master.m3u8", mp4="v.mp4"
    )
    client.force_login(reporter)
    page = client.get(reverse("archive_detail", args=["video", clip.pk])).content.decode()
    assert page.index('type="application/vnd.apple.mpegurl"') < page.index('type="video/mp4"')


def test_failed_detail_shows_the_reason_and_no_player(client, agency, reporter):
    clip = make_clip(
        agency=agency, title="Hỏng", kind="video", state=State.FAILED, failure_reason="No video."
    )
    client.force_login(reporter)
    page = client.get(reverse("archive_detail", args=["video", clip.pk])).content.decode()
    assert "No video." in page and "<video" not in page


# --- Upload -------------------------------------------------------------------------------------


def jpeg(name="anh.jpg", colour=(10, 120, 200)) -> io.BytesIO:
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 400), colour).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def upload(client, agency, file, **fields):
    data = {
        "agency": agency.pk,
        "sharing": "agency",
        "licence": "agency",
        "credit": "",
        "file": file,
        **fields,
    }
    return client.post(reverse("archive_upload_file"), data, HTTP_X_REQUESTED_WITH="XMLHttpRequest")


def test_upload_page_offers_only_the_users_agencies(client, agency, other_agency, reporter):
    client.force_login(reporter)
    page = client.get(reverse("archive_upload")).content.decode()
    assert 'accept="image/*,video/*,audio/*"' in page and "multiple" in page
    assert agency.name in page and other_agency.name not in page
    assert f'<option value="{agency.pk}" selected>' in page


def test_uploading_a_photo_files_it_and_processes_it(
    client, agency, reporter, django_capture_on_commit_callbacks
):
    client.force_login(reporter)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, agency, jpeg("lu_quet.jpg"), credit="Trần Bình", sharing="deployment")
    assert response.status_code == 200, response.content
    answer = response.json()
    image = ArchiveImage.objects.get(pk=answer["id"])
    assert answer["kind"] == "image" and answer["duplicate"] is False and answer["title"] == "lu quet"
    assert answer["detail_url"] == reverse("archive_detail", args=["image", image.pk])
    assert (image.agency, image.uploaded_by_user, image.credit, image.sharing) == (
        agency,
        reporter,
        "Trần Bình",
        "deployment",
    )
    image.refresh_from_db()
    assert image.state == State.READY and image.width == 640


def test_the_same_photo_again_is_a_duplicate(client, agency, reporter, django_capture_on_commit_callbacks):
    client.force_login(reporter)
    with django_capture_on_commit_callbacks(execute=True):
        first = upload(client, agency, jpeg()).json()
        again = upload(client, agency, jpeg("ban-sao.jpg"))
    assert again.status_code == 200
    assert again.json()["duplicate"] is True and again.json()["id"] == first["id"]
    assert first["title"] in again.json()["message"]  # says which asset it already is
    assert ArchiveImage.objects.count() == 1


def test_a_photo_named_like_a_video_is_refused(client, agency, reporter):
    client.force_login(reporter)
    response = upload(client, agency, jpeg("phong-su.mp4"))
    assert response.status_code == 400
    assert response.json()["error"]
    assert not ArchiveImage.objects.exists() and not ArchiveMedia.objects.exists()


def test_a_file_over_the_limit_is_refused_with_413(client, agency, reporter, settings):
    settings.ARCHIVE_MAX_UPLOAD_BYTES = {"image": 1000}
    client.force_login(reporter)
    response = upload(client, agency, jpeg())
    assert response.status_code == 413 and response.json()["error"]


def test_upload_refused_to_anonymous_other_agencies_and_roles_without_add(
    client, agency, other_agency, staff
):
    assert upload(client, agency, jpeg()).status_code in (302, 403)
    client.force_login(make_user(agency=other_agency, role=Role.REPORTER))
    refused = upload(client, agency, jpeg())
    assert refused.status_code == 403 and refused.json()["error"]
    client.force_login(staff[Role.MANAGER])  # a manager chooses images but never adds them
    assert upload(client, agency, jpeg()).status_code == 403
    assert not ArchiveImage.objects.exists()


def test_details_after_a_direct_upload_apply_only_to_what_the_user_may_edit(
    client, agency, other_agency, reporter
):
    mine = make_image(agency=agency, title="Ảnh vừa tải", uploaded_by_user=reporter)
    shared = make_image(
        agency=other_agency, title="Ảnh dùng chung", sharing=Sharing.DEPLOYMENT, credit="TTXVN"
    )
    client.force_login(reporter)
    data = {"kind": "image", "sharing": "deployment", "licence": "cc-by", "credit": "Lê Hoa"}
    assert client.post(reverse("archive_upload_details"), {"id": mine.pk, **data}).status_code == 200
    mine.refresh_from_db()
    assert (mine.sharing, mine.licence, mine.credit) == ("deployment", "cc-by", "Lê Hoa")
    assert client.post(reverse("archive_upload_details"), {"id": shared.pk, **data}).status_code == 403
    shared.refresh_from_db()
    assert shared.credit == "TTXVN"


def test_pages_are_for_newsroom_staff_only(client, agency):
    outsider = make_user(is_staff=False)
    client.force_login(outsider)
    assert client.get(reverse("archive_index")).status_code in (302, 403)


def test_a_wrong_date_is_reported_and_the_other_filters_still_apply(client, agency, reporter):
    make_image(agency=agency, title="Ảnh bất kỳ", captured_at=timezone.make_aware(datetime(2024, 5, 1)))
    make_clip(agency=agency, title="Bản tin bất kỳ")
    page = listing(client, reporter, date_from="không phải ngày", kind="image")
    assert "Ảnh bất kỳ" in page and "Bản tin bất kỳ" not in page
    assert "error-message" in page


def test_the_listing_is_paginated_across_both_models(client, agency, reporter, monkeypatch):
    from archive import admin_views

    monkeypatch.setattr(admin_views, "PER_PAGE", 2)
    make_image(agency=agency, title="Ảnh cũ nhất")
    make_clip(agency=agency, title="Bản tin giữa")
    make_image(agency=agency, title="Ảnh mới nhất")
    first, second = listing(client, reporter), listing(client, reporter, p=2)
    assert shown(first, "Ảnh mới nhất", "Bản tin giữa", "Ảnh cũ nhất") == ["Ảnh mới nhất", "Bản tin giữa"]
    assert shown(second, "Ảnh mới nhất", "Bản tin giữa", "Ảnh cũ nhất") == ["Ảnh cũ nhất"]
