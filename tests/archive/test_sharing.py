"""Who sees which asset in the choosers, what expiry hides and blocks, and deleting what stories use."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision

from archive.models import ArchiveMedia, Sharing, State
from newsroom.models import Role, StoryPage
from newsroom.tasks import cancel_schedules_with_expired_assets
from tests.factories import make_image, make_story, make_user, section_of

pytestmark = pytest.mark.django_db


def image_chooser_titles(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("wagtailimages_chooser:choose"))
    assert response.status_code == 200
    return response.json()["html"]


def make_clip(*, agency, title, **fields):
    fields.setdefault("state", State.READY)
    return ArchiveMedia.objects.create(
        title=title,
        type="audio",
        file="media/clip.mp3",
        collection=agency.collection,
        agency=agency,
        **fields,
    )


def test_chooser_shows_shared_assets_of_other_agencies_but_not_their_own_ones(client, agency, other_agency):
    editor = make_user(agency=agency, role=Role.EDITOR)
    make_image(agency=other_agency, title="Ảnh dùng chung", sharing=Sharing.DEPLOYMENT, credit="TTXVN")
    make_image(agency=other_agency, title="Ảnh riêng của Sóc Trăng")
    page = image_chooser_titles(client, editor)
    assert "Ảnh dùng chung" in page
    assert "Ảnh riêng của Sóc Trăng" not in page


def test_a_shared_image_can_be_chosen_but_not_edited_by_another_agency(client, agency, other_agency):
    editor = make_user(agency=agency, role=Role.EDITOR)
    shared = make_image(agency=other_agency, title="Ảnh dùng chung", sharing=Sharing.DEPLOYMENT)
    client.force_login(editor)
    assert client.get(reverse("wagtailimages_chooser:chosen", args=[shared.pk])).status_code == 200
    assert client.get(reverse("wagtailimages:edit", args=[shared.pk])).status_code in (302, 403)


def test_private_assets_are_seen_only_by_their_uploader(client, agency, staff):
    reporter, editor = staff[Role.REPORTER], staff[Role.EDITOR]
    make_image(agency=agency, title="Ảnh riêng tư", sharing=Sharing.PRIVATE, uploaded_by_user=reporter)
    assert "Ảnh riêng tư" in image_chooser_titles(client, reporter)
    assert "Ảnh riêng tư" not in image_chooser_titles(client, editor)


def test_expired_and_unprocessed_assets_are_hidden_from_choosers(client, agency, staff):
    make_image(agency=agency, title="Ảnh hết hạn", expires_at=timezone.now() - timedelta(days=1))
    make_image(agency=agency, title="Ảnh còn hạn", expires_at=timezone.now() + timedelta(days=30))
    make_image(agency=agency, title="Ảnh đang xử lý", state=State.PROCESSING)
    page = image_chooser_titles(client, staff[Role.EDITOR])
    assert "Ảnh còn hạn" in page
    assert "Ảnh hết hạn" not in page and "Ảnh đang xử lý" not in page


def test_media_chooser_offers_usable_and_shared_media(client, agency, other_agency, staff):
    make_clip(agency=agency, title="Bản tin sáng")
    make_clip(agency=agency, title="Bản tin hỏng", state=State.FAILED)
    make_clip(agency=other_agency, title="Phóng sự dùng chung", sharing=Sharing.DEPLOYMENT)
    make_clip(agency=other_agency, title="Phóng sự riêng")
    client.force_login(staff[Role.EDITOR])
    response = client.get(reverse("wagtailmedia:chooser"))
    assert response.status_code == 200, response.content[-800:]
    page = response.json()["html"]
    assert "Bản tin sáng" in page and "Phóng sự dùng chung" in page
    assert "Bản tin hỏng" not in page and "Phóng sự riêng" not in page


def test_deleting_an_image_in_use_is_refused_with_the_stories(client, agency, staff):
    image = make_image(agency=agency, title="Ảnh trang nhất")
    story = make_story(section=section_of(agency), title="Tin dùng ảnh", lead_image=image)
    client.force_login(staff[Role.EDITOR])
    url = reverse("wagtailimages:delete", args=[image.pk])
    response = client.post(url)
    assert response.status_code == 409
    assert story.title in response.content.decode()
    assert type(image).objects.filter(pk=image.pk).exists()

    unused = make_image(agency=agency, title="Ảnh thừa")
    response = client.post(reverse("wagtailimages:delete", args=[unused.pk]))
    assert response.status_code == 302
    assert not type(image).objects.filter(pk=unused.pk).exists()


def test_deleting_another_agencys_asset_is_still_forbidden(client, agency, other_agency, staff):
    foreign = make_image(agency=other_agency, title="Ảnh của cơ quan khác")
    client.force_login(staff[Role.EDITOR])
    response = client.post(reverse("wagtailimages:delete", args=[foreign.pk]))
    assert response.status_code in (302, 403)
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


def test_a_scheduled_story_with_an_expired_asset_is_not_published(agency):
    image = make_image(agency=agency, title="Ảnh có thời hạn", expires_at=timezone.now() + timedelta(hours=1))
    story = make_story(section=section_of(agency), publish=False, title="Tin hẹn giờ", lead_image=image)
    story.go_live_at = timezone.now() + timedelta(minutes=30)
    story.save_revision().publish()
    type(image).objects.filter(pk=image.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    later = timezone.now() + timedelta(hours=1)
    assert cancel_schedules_with_expired_assets(now=later) == 1
    assert not Revision.page_revisions.filter(object_id=str(story.pk), approved_go_live_at__isnull=False)
    assert not StoryPage.objects.get(pk=story.pk).live


def test_publishing_a_story_with_an_expired_asset_is_refused_but_a_draft_saves(client, agency, staff):
    from tests.newsroom.test_workflow import add_url, story_form

    image = make_image(
        agency=agency, title="Ảnh hết hạn bản quyền", expires_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(staff[Role.EDITOR_IN_CHIEF])
    url = add_url(section_of(agency))
    response = client.post(url, story_form(lead_image=image.pk, **{"action-publish": "Publish"}))
    assert response.status_code == 200
    assert "Ảnh hết hạn bản quyền" in response.content.decode()
    assert not StoryPage.objects.exists()

    response = client.post(url, story_form(lead_image=image.pk))  # saving a draft is not publishing
    assert response.status_code == 302
    assert StoryPage.objects.get().live is False


def test_choosers_show_the_owner_and_credit_of_shared_assets(client, agency, other_agency, staff):
    shared = {"sharing": Sharing.DEPLOYMENT}
    make_image(agency=other_agency, title="Ảnh dùng chung", credit="Ảnh: Minh Anh", **shared)
    make_clip(agency=other_agency, title="Clip dùng chung", credit="Đài Sóc Trăng", **shared)
    images = image_chooser_titles(client, staff[Role.EDITOR])
    assert other_agency.short_name in images and "Ảnh: Minh Anh" in images
    media = client.get(reverse("wagtailmedia:chooser")).json()["html"]
    assert other_agency.short_name in media and "Đài Sóc Trăng" in media


def test_bulk_deleting_images_in_use_is_refused(client, agency, staff):
    used = make_image(agency=agency, title="Ảnh đang dùng")
    spare = make_image(agency=agency, title="Ảnh dư")
    make_story(section=section_of(agency), title="Tin có ảnh", lead_image=used)
    client.force_login(staff[Role.EDITOR])
    url = reverse("wagtail_bulk_action", args=["archive", "archiveimage", "delete"])
    response = client.post(f"{url}?id={used.pk}&id={spare.pk}")
    assert response.status_code == 409 and "Tin có ảnh" in response.content.decode()
    assert type(used).objects.filter(pk__in=[used.pk, spare.pk]).count() == 2
