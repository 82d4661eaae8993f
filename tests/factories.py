"""Factories for tests: agencies through the real service, staff in real roles, stories in the real tree."""

import io
import itertools

import factory
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

from newsroom.models import Agency, Author, Role, SectionPage, StoryPage
from newsroom.services import AgencyData, add_staff, create_agency

_counter = itertools.count(1)
PASSWORD = "Mat-khau-thu-nghiem-1"


def make_agency(*, short_name: str | None = None, port: int | None = None, **fields) -> Agency:
    n = next(_counter)
    short_name = short_name or f"agency{n}"
    data = AgencyData(
        name=fields.pop("name", f"Báo thử nghiệm {n}"),
        short_name=short_name,
        kind=fields.pop("kind", "newspaper"),
        hostname=fields.pop("hostname", f"{short_name}.localhost"),
        port=port or 80,
        **fields,
    )
    return create_agency(data=data)


def make_user(
    *, username: str | None = None, agency: Agency | None = None, role: str | None = None, **fields
):
    User = get_user_model()
    username = username or f"user{next(_counter)}"
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.vn",
        first_name="Thử",
        last_name=username,
        **fields,
    )
    if agency and role:
        add_staff(agency=agency, user=user, role=role)
    return user


def section_of(agency: Agency, index: int = 0) -> SectionPage:
    return SectionPage.objects.child_of(agency.root_page).order_by("path")[index]


def make_story(*, section: SectionPage, publish: bool = True, owner=None, **fields) -> StoryPage:
    n = next(_counter)
    story = StoryPage(
        title=fields.pop("title", f"Tin thử nghiệm số {n}"),
        sapo=fields.pop("sapo", "Tóm tắt ngắn của tin thử nghiệm."),
        owner=owner,
        live=False,  # a new page is a draft until its revision is published
        **fields,
    )
    section.add_child(instance=story)
    revision = story.save_revision(user=owner)
    if publish:
        revision.publish()
        story.refresh_from_db()
    return story


def get_page(client, agency, path, **extra):
    """GET `path` on the agency's own site, matched by host name and port as in production."""
    site = agency.site
    return client.get(path, HTTP_HOST=site.hostname, SERVER_PORT=str(site.port), **extra)


def make_author(*, agency: Agency, name: str | None = None) -> Author:
    n = next(_counter)
    return Author.objects.create(agency=agency, name=name or f"Phóng viên {n}", slug=f"phong-vien-{n}")


def image_file(
    *, width: int = 800, height: int = 500, colour=(30, 90, 160), name: str = "anh.jpg"
) -> ImageFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return ImageFile(buffer, name=name)


def make_image(*, agency: Agency, title: str = "Ảnh thử nghiệm", **fields):
    """An image already through the ingest (ready), unless `state` says otherwise."""
    fields.setdefault("state", "ready")
    fields.setdefault("agency", agency)
    return get_image_model().objects.create(
        title=title, file=image_file(), collection=agency.collection, **fields
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)


ROLES = list(Role)
