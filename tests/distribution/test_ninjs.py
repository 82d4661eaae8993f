"""ninjs documents (IPTC schemas 2.2 and 3.1) and the ninjs API of each agency."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from jsonschema import Draft202012Validator, FormatChecker
from wagtail.models import PageViewRestriction
from wagtailmedia.models import get_media_model

from distribution.content import Block, MediaFile, Picture, StoryContent, story_content
from distribution.ninjs import VERSIONS, UnknownVersion, ninjs_document, schema
from tests.factories import get_page, make_author, make_image, make_story, section_of

PUBLISHED = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
HOST = "http://baohaiduong.localhost"
COVER = Picture(
    url=f"{HOST}/media/images/bia.jpg", caption="Rước kiệu", credit="Hoàng Nam", width=1200, height=750
)
AUDIO = MediaFile(
    kind="audio",
    url=f"{HOST}/media/a/ban-tin.m4a",
    mime_type="audio/mp4",
    caption="Bản tin",
    duration=61.4,
    size=9876,
)
VIDEO = MediaFile(
    kind="video",
    url=f"{HOST}/media/v/clip.mp4",
    mime_type="video/mp4",
    duration=12.0,
    size=123456,
    poster_url=f"{HOST}/media/v/poster.png",
)
BODY = [
    Block("text", html="<p>Đoạn <b>một</b>.</p>", text="Đoạn một."),
    Block("heading", html="<h2>Tiêu đề</h2>", text="Tiêu đề"),
    Block("image", picture=Picture(url=f"{HOST}/media/images/than.jpg", caption="Ảnh thân bài"), text="Ảnh"),
    Block("audio", media=AUDIO, text="Bản tin"),
    Block("quote", html="<blockquote><p>Trích</p></blockquote>", text="“Trích”"),
]


def snapshot(**fields) -> StoryContent:
    values = {
        "story_id": 42,
        "revision_id": 7,
        "agency_id": 1,
        "agency_name": "Báo Hải Dương",
        "url": f"{HOST}/thoi-su/le-hoi/",
        "title": "Lễ hội làng",
        "kicker": "Văn hóa",
        "sapo": "Hàng nghìn người dự lễ hội.",
        "section": "Thời sự",
        "section_slug": "thoi-su",
        "format": "news",
        "language": "vi",
        "authors": ["Minh Anh", "Hoàng Nam"],
        "tags": ["lễ hội", "văn hóa"],
        "first_published_at": PUBLISHED,
        "last_published_at": PUBLISHED,
    }
    return StoryContent(**{**values, **fields})


VARIANTS = {
    "bare": snapshot(kicker="", sapo="", authors=[], tags=[], section="", section_slug="", url=""),
    "text": snapshot(blocks=BODY),
    "cover": snapshot(cover=COVER),
    "podcast": snapshot(format="podcast", media=AUDIO, cover=COVER),
    "video": snapshot(format="video", media=VIDEO, blocks=BODY),
    "hostile": snapshot(title="<script>x</script> ]]> 😀 Hải Dương", sapo='&amp; "quotes"', tags=["<b>"]),
}


def assert_valid(document: dict, version: str) -> None:
    """Valid against the IPTC schema the document names, formats included; `uri` fields hold absolute URIs
    (jsonschema checks that format only with an optional package, so it is checked here)."""
    validator = Draft202012Validator(schema(version), format_checker=FormatChecker())
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]
    assert not errors, errors
    for value in uri_values(document):
        assert urlsplit(value).scheme in {"http", "https", "urn"}, value


def uri_values(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in {"uri", "href", "schema"} and isinstance(item, str):
                yield item
            else:
                yield from uri_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from uri_values(item)


def make_audio(agency, *, size: int = 4321):
    media = get_media_model().objects.create(
        title="Bản tin",
        file=ContentFile(b"\0" * 16, name="goc.mp3"),
        type="audio",
        collection=agency.collection,
        state="ready",
        duration=30,
    )
    media.audio_rendition.save("ban-tin.m4a", ContentFile(b"\0" * size), save=False)
    media.save()
    return media


# --- documents ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_documents_validate_against_the_iptc_schema(variant, version):
    assert_valid(ninjs_document(VARIANTS[variant], version=version), version)
    assert_valid(ninjs_document(VARIANTS[variant], version=version, partial=True), version)


def test_the_schemas_tell_the_versions_apart():
    """Each version's spelling is refused by the other schema: the validation has teeth."""
    story = VARIANTS["podcast"]
    for version, other in (("2.2", "3.1"), ("3.1", "2.2")):
        document = ninjs_document(story, version=version)
        assert not Draft202012Validator(schema(other)).is_valid(document)


def test_version_2_2_spells_properties_in_lower_case():
    document = ninjs_document(VARIANTS["podcast"], version="2.2")
    assert document["standard"] == {
        "name": "ninjs",
        "version": "2.2",
        "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json#",
    }
    assert document["firstcreated"] == "2026-03-08T07:30:00+00:00"
    assert document["representationtype"] == "full" and document["pubstatus"] == "usable"
    assert document["type"] == "audio"
    media = next(item for item in document["associations"] if item["name"] == "featuremedia")
    assert media["renditions"][0] == {
        "name": "web",
        "href": AUDIO.url,
        "contenttype": "audio/mp4",
        "duration": 61.4,
        "sizeinbytes": 9876,
    }
    assert "rel" not in media


def test_version_3_1_spells_properties_in_camel_case():
    document = ninjs_document(VARIANTS["video"], version="3.1")
    assert document["firstCreated"] == "2026-03-08T07:30:00+00:00"
    assert document["representationType"] == "full" and document["type"] == "video"
    assert document["headlines"] == [
        {"role": "main", "contentType": "text/plain", "value": "Lễ hội làng"},
        {"role": "kicker", "contentType": "text/plain", "value": "Văn hóa"},
    ]
    assert document["descriptions"][0]["value"] == "Hàng nghìn người dự lễ hội."
    html, text = document["bodies"]
    assert html["contentType"] == "text/html" and "<b>một</b>" in html["value"]
    assert text["contentType"] == "text/plain" and text["wordCount"] == len(text["value"].split())
    assert document["by"] == "Minh Anh, Hoàng Nam"
    names = [association["name"] for association in document["associations"]]
    assert names == ["featuremedia", "image1", "audio2"]
    poster = document["associations"][0]["renditions"][1]
    assert poster == {"name": "thumbnail", "href": VIDEO.poster_url, "contentType": "image/png"}


def test_a_partial_document_has_no_body_and_says_so():
    document = ninjs_document(VARIANTS["text"], version="3.1", partial=True)
    assert document["representationType"] == "partial" and "bodies" not in document


def test_unknown_version_is_refused():
    with pytest.raises(UnknownVersion):
        ninjs_document(VARIANTS["bare"], version="1.3")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_real_story_validates(agency, version):
    author = make_author(agency=agency, name="Minh Anh")
    image = make_image(agency=agency, title="Rước kiệu", credit="Hoàng Nam")
    story = make_story(
        section=section_of(agency),
        title="Lễ hội làng",
        kicker="Văn hóa",
        lead_image=image,
        lead_media=make_audio(agency),
        format="podcast",
        body=[
            ("paragraph", '<p>Đoạn <a href="https://example.vn/">một</a>.</p>'),
            ("image", {"image": image, "caption": "Ảnh", "credit": ""}),
            ("pull_quote", {"quote": "Trích dẫn", "attribution": "Ông A"}),
        ],
    )
    story.authors.add(author)
    story.tags.add("lễ hội")
    story.save_revision().publish()
    story.refresh_from_db()

    document = ninjs_document(story_content(story), version=version)
    assert_valid(document, version)
    assert document["type"] == "audio" and document["by"] == "Minh Anh"
    assert {association["name"] for association in document["associations"]} == {
        "featureimage",
        "featuremedia",
        "image1",
    }


# --- the API ------------------------------------------------------------------------------------------------


def api(client, agency, path, **extra):
    response = get_page(client, agency, path, **extra)
    assert response["Access-Control-Allow-Origin"] == "*"
    if response.status_code != 304:
        assert response["Content-Type"] == "application/json; charset=utf-8"
    return response


@pytest.mark.parametrize("version", VERSIONS)
def test_the_list_gives_the_agencys_live_public_stories(client, agency, other_agency, version):
    section = section_of(agency)
    first = make_story(section=section, title="Tin một", lead_image=make_image(agency=agency))
    second = make_story(section=section, title="Tin hai", lead_media=make_audio(agency))
    make_story(section=section, title="Bản nháp", publish=False)
    make_story(section=section_of(other_agency), title="Tin báo khác")
    private = make_story(section=section, title="Tin nội bộ")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    query = "" if version == "2.2" else f"?version={version}"
    response = api(client, agency, f"/api/ninjs/stories/{query}")
    body = json.loads(response.content)
    assert (body["version"], body["count"], body["page"], body["pages"]) == (version, 2, 1, 1)
    assert [item["headlines"][0]["value"] for item in body["items"]] == ["Tin hai", "Tin một"]
    for item in body["items"]:
        assert_valid(item, version)
    ids = [
        next(alt["value"] for alt in item["altids" if version == "2.2" else "altIds"])
        for item in body["items"]
    ]
    assert ids == [str(second.pk), str(first.pk)]


def test_the_list_is_paginated(client, agency):
    stories = [make_story(section=section_of(agency), title=f"Tin {n}") for n in range(5)]
    body = json.loads(api(client, agency, "/api/ninjs/stories/?page_size=2").content)
    assert (body["count"], body["pages"], body["previous"]) == (5, 3, None)
    assert body["next"] == f"http://{agency.site.hostname}/api/ninjs/stories/?page_size=2&page=2"

    response = api(client, agency, "/api/ninjs/stories/?page_size=2&page=3")
    body = json.loads(response.content)
    assert [item["uri"].rsplit(":", 1)[1] for item in body["items"]] == [str(stories[0].pk)]
    assert body["next"] is None and body["previous"].endswith("page=2")
    assert 'rel="prev"' in response["Link"]

    missing = api(client, agency, "/api/ninjs/stories/?page=9")
    assert missing.status_code == 404 and "error" in json.loads(missing.content)


def test_an_unknown_version_is_a_bad_request(client, agency):
    make_story(section=section_of(agency))
    response = api(client, agency, "/api/ninjs/stories/?version=9.9")
    assert response.status_code == 400
    assert "9.9" in json.loads(response.content)["error"]["message"]


def test_preflight_is_answered(client, agency):
    response = client.options(
        "/api/ninjs/stories/",
        HTTP_HOST=agency.site.hostname,
        HTTP_ORIGIN="https://doitac.example.vn",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("version", VERSIONS)
def test_one_story_is_the_full_published_document(client, agency, version):
    story = make_story(
        section=section_of(agency),
        title="Tin đầy đủ",
        lead_image=make_image(agency=agency),
        body=[("paragraph", "<p>Thân bài của tin.</p>")],
    )
    story.title = "Bản nháp chưa duyệt"
    story.save_revision()  # a later draft: the API keeps serving what was published

    response = api(client, agency, f"/api/ninjs/stories/{story.pk}/?version={version}")
    document = json.loads(response.content)
    assert_valid(document, version)
    assert document["headlines"][0]["value"] == "Tin đầy đủ"
    assert "Thân bài của tin." in document["bodies"][0]["value"]
    assert response["ETag"] and response["Cache-Control"].startswith("public")


def test_one_story_answers_404_outside_the_agency_and_before_publication(client, agency, other_agency):
    theirs = make_story(section=section_of(other_agency))
    draft = make_story(section=section_of(agency), publish=False)
    private = make_story(section=section_of(agency))
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    for story in (theirs, draft, private):
        response = api(client, agency, f"/api/ninjs/stories/{story.pk}/")
        assert response.status_code == 404
        assert json.loads(response.content)["error"]["status"] == 404


def test_one_story_answers_conditional_requests(client, agency):
    story = make_story(section=section_of(agency))
    path = f"/api/ninjs/stories/{story.pk}/"
    first = api(client, agency, path)
    assert api(client, agency, path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api(client, agency, path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    other_version = api(client, agency, f"{path}?version=3.1", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other_version.status_code == 200

    story.save_revision().publish()
    assert api(client, agency, path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
