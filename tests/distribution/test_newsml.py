"""NewsML-G2 export of one story: a well-formed newsItem with the properties partners read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from wagtail.models import PageViewRestriction

from distribution.content import Block, MediaFile, Picture, StoryContent
from distribution.newsml import NAR, XHTML, newsml_document, xhtml_fragment
from tests.factories import get_page, make_author, make_image, make_story, section_of

N = f"{{{NAR}}}"
H = f"{{{XHTML}}}"
HOST = "http://baohaiduong.localhost"
PUBLISHED = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


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
        "authors": ["Minh Anh"],
        "tags": ["lễ hội"],
        "first_published_at": PUBLISHED,
        "last_published_at": PUBLISHED,
        "cover": Picture(url=f"{HOST}/media/images/bia.jpg", caption="Bìa", width=1200, height=750),
        "blocks": [Block("text", html="<p>Đoạn <b>một</b>.</p>", text="Đoạn một.")],
    }
    return StoryContent(**{**values, **fields})


def parse(document: bytes) -> ET.Element:
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(document)  # raises on anything not well-formed


def test_news_item_has_the_required_properties():
    item = parse(newsml_document(snapshot()))
    assert item.tag == f"{N}newsItem"
    assert item.get("guid") == "urn:newsroom:baohaiduong.localhost:story:42"
    assert (item.get("standard"), item.get("conformance"), item.get("version")) == ("NewsML-G2", "power", "7")
    assert item.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi"
    assert [child.tag.removeprefix(N) for child in item] == [
        "catalogRef",
        "rightsInfo",
        "itemMeta",
        "contentMeta",
        "contentSet",
    ]

    meta = item.find(f"{N}itemMeta")
    assert meta.find(f"{N}itemClass").get("qcode") == "ninat:text"
    assert meta.find(f"{N}provider").get("uri") == f"{HOST}/"
    assert meta.findtext(f"{N}versionCreated") == "2026-03-08T07:30:00+00:00"
    assert meta.find(f"{N}pubStatus").get("qcode") == "stat:usable"
    assert meta.findtext(f"{N}title") == "Lễ hội làng"

    content = item.find(f"{N}contentMeta")
    assert content.findtext(f"{N}headline") == "Lễ hội làng"
    assert content.findtext(f"{N}description") == "Hàng nghìn người dự lễ hội."
    assert content.find(f"{N}description").get("role") == "drol:summary"
    assert content.findtext(f"{N}creator/{N}name") == "Minh Anh"
    assert content.find(f"{N}language").get("tag") == "vi"
    assert content.findtext(f"{N}keyword") == "lễ hội"
    subject = content.find(f"{N}subject")
    assert subject.get("literal") == "section:thoi-su" and subject.findtext(f"{N}name") == "Thời sự"
    assert content.findtext(f"{N}slugline") == "Văn hóa"
    # The schema's order: administrative properties, then language, keyword, subject… description last.
    order = [child.tag.removeprefix(N) for child in content]
    assert order.index("creator") < order.index("language") < order.index("keyword") < order.index("subject")
    assert order.index("subject") < order.index("headline") < order.index("description")

    content_set = item.find(f"{N}contentSet")
    inline = content_set.find(f"{N}inlineXML")
    assert inline.get("contenttype") == "application/xhtml+xml"
    body = inline.find(f"{H}html/{H}body")
    assert body.findtext(f"{H}h1") == "Lễ hội làng"
    assert body.find(f"{H}p/{H}b").text == "một"
    cover = content_set.find(f"{N}remoteContent")
    assert cover.get("href") == f"{HOST}/media/images/bia.jpg"
    assert (cover.get("contenttype"), cover.get("width"), cover.get("height")) == (
        "image/jpeg",
        "1200",
        "750",
    )


def test_audio_story_is_an_audio_item_with_the_media_as_remote_content():
    audio = MediaFile(kind="audio", url=f"{HOST}/a.m4a", mime_type="audio/mp4", duration=61.4, size=999)
    item = parse(newsml_document(snapshot(format="podcast", media=audio, cover=None)))
    assert item.find(f"{N}itemMeta/{N}itemClass").get("qcode") == "ninat:audio"
    remote = item.find(f"{N}contentSet/{N}remoteContent")
    assert (remote.get("href"), remote.get("size"), remote.get("duration")) == (f"{HOST}/a.m4a", "999", "61")


def test_hostile_text_never_breaks_the_document():
    nasty = "A\x00B\x0b <script>alert(1)</script> ]]> & 😀 \ud800 Hải Dương"
    story = snapshot(
        title=nasty,
        sapo=nasty,
        kicker=nasty,
        authors=[nasty],
        tags=[nasty],
        blocks=[
            Block("text", html=f"<p>{nasty}<script>steal()</script><iframe src=x></iframe></p>", text=nasty),
            Block("image", picture=Picture(url=f"{HOST}/x.jpg", caption=nasty, credit=nasty)),
        ],
    )
    item = parse(newsml_document(story))
    assert item.findtext(f"{N}contentMeta/{N}headline") == "AB <script>alert(1)</script> ]]> & 😀  Hải Dương"
    body = item.find(f"{N}contentSet/{N}inlineXML/{H}html/{H}body")
    assert body.find(f".//{H}script") is None and body.find(f".//{H}iframe") is None
    assert "steal()" not in ET.tostring(body, encoding="unicode")


def test_body_html_becomes_clean_xhtml():
    html = (
        '<p>Một&nbsp;<b>hai</b> <i>ba</i><br>bốn <a href="javascript:alert(1)" onclick="x()">năm</a> '
        '<a href="https://example.vn/">sáu</a><span class="x">bảy</span><img src="javascript:x"><img/>'
        "<p>chưa đóng"
    )
    elements = xhtml_fragment(html)  # unqualified: they take the XHTML namespace of the <html> they go into
    markup = "".join(ET.tostring(element, encoding="unicode") for element in elements)
    assert [element.tag for element in elements] == ["p", "p"]
    first = elements[0]
    assert first.text == "Một\xa0" and first.find("b").tail == " "
    assert first.find("br") is not None
    links = first.findall("a")
    assert links[0].get("href") is None and links[0].get("onclick") is None and links[0].text == "năm"
    assert links[1].get("href") == "https://example.vn/"
    assert "bảy" in markup and "span" not in markup and "img" not in markup
    assert elements[1].text == "chưa đóng"


# --- the export ---------------------------------------------------------------------------------------------


def test_export_serves_a_live_story_of_the_agency(client, agency, other_agency):
    author = make_author(agency=agency, name="Minh Anh")
    story = make_story(
        section=section_of(agency),
        title="Tin xuất NewsML",
        lead_image=make_image(agency=agency),
        body=[("paragraph", "<p>Thân bài.</p>")],
    )
    story.authors.add(author)
    story.save_revision().publish()

    response = get_page(client, agency, f"/api/newsml/stories/{story.pk}.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.iptc.g2.newsitem+xml; charset=utf-8"
    item = parse(response.content)
    assert item.findtext(f"{N}contentMeta/{N}headline") == "Tin xuất NewsML"
    assert item.findtext(f"{N}contentMeta/{N}creator/{N}name") == "Minh Anh"
    assert item.find(f"{N}contentSet/{N}remoteContent").get("href").endswith(".jpg")
    assert "Thân bài." in ET.tostring(item.find(f"{N}contentSet/{N}inlineXML"), encoding="unicode")

    assert (
        get_page(
            client, agency, f"/api/newsml/stories/{story.pk}.xml", HTTP_IF_NONE_MATCH=response["ETag"]
        ).status_code
        == 304
    )
    assert get_page(client, other_agency, f"/api/newsml/stories/{story.pk}.xml").status_code == 404


@pytest.mark.parametrize("state", ["draft", "private"])
def test_export_refuses_what_is_not_public(client, agency, state):
    story = make_story(section=section_of(agency), publish=state != "draft")
    if state == "private":
        PageViewRestriction.objects.create(page=story, restriction_type=PageViewRestriction.LOGIN)
    assert get_page(client, agency, f"/api/newsml/stories/{story.pk}.xml").status_code == 404
