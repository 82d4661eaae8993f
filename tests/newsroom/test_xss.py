"""Cross-site scripting: hostile text in every field the public site and the feeds show, entered as staff
enter it (the page editor for stories, the models' own fields for the rest), never becomes markup that runs.

Each field gets the payload with its own marker (`XSS-kicker…`), so a test also proves the field was shown;
the pages are parsed, and any element, event attribute or javascript: URL no template writes is a failure.
"""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images import get_image_model
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield
from wagtailmedia.models import get_media_model

from newsroom.models import HomePage, Role, StoryPage
from tests.factories import get_page, image_file, make_author, make_story, section_of

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def hostile(field: str) -> str:
    """Markup that breaks out of text, attributes, <title> and <script> if a template forgets to escape."""
    return f"XSS-{field}\"'><img src=x onerror=alert(1)></title></script>{SCRIPT}"


# Tags are typed in a comma-separated field and may not hold a double quote.
TAG = f"XSS-tag'><img src=x onerror=alert(1)>{SCRIPT}"


def marker(field: str) -> str:
    return f"XSS-{field}\"'>"


# Draftail's contentstate as a hostile client could post it: a javascript: link, a link whose URL breaks out
# of its attribute, extra data on entities and blocks, a block type and a key smuggling attributes.
RICH_TEXT = hostile("rich") + " LINK-A LINK-B"
HOSTILE_RICH_TEXT = {
    "blocks": [
        {
            "key": 'k1" onmouseover="alert(1)',
            "type": "unstyled",
            "depth": 0,
            "text": RICH_TEXT,
            "inlineStyleRanges": [{"offset": RICH_TEXT.index("LINK-B"), "length": 6, "style": "BOLD"}],
            "entityRanges": [
                {"offset": RICH_TEXT.index("LINK-A"), "length": 6, "key": 0},
                {"offset": RICH_TEXT.index("LINK-B"), "length": 6, "key": 1},
            ],
            "data": {"onclick": "alert(1)"},
        },
        {
            "key": "k2",
            "type": 'header-two" onclick="alert(1)',
            "depth": 0,
            "text": "heading",
            "inlineStyleRanges": [],
            "entityRanges": [],
            "data": {},
        },
    ],
    "entityMap": {
        "0": {
            "type": "LINK",
            "mutability": "MUTABLE",
            "data": {"url": "javascript:alert(1)", "onclick": "x"},
        },
        "1": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": '"><img src=x onerror=alert(1)>'}},
    },
}


class Injections(HTMLParser):
    """Everything in a page that could run script, and every text and attribute value it shows."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "xlink:href", "background"}
    DATA_SCRIPTS = {"application/ld+json", "application/json"}
    FORBIDDEN_ELEMENTS = {"base", "object", "embed", "applet", "frame", "frameset"}

    def __init__(self, *, iframes: tuple[str, ...] = ()):
        super().__init__(convert_charrefs=True)
        self.iframes = iframes
        self.problems: list[str] = []
        self.shown: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            value = value or ""
            self.shown.append(value)
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in self.URL_ATTRIBUTES and re.sub(r"[\x00-\x20]", "", value).lower().startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in self.FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}>")
        if tag == "img" and attributes.get("src") == "x":
            self.problems.append("<img src=x>")
        if tag == "iframe" and not attributes.get("src", "").startswith(self.iframes or ("\0",)):
            self.problems.append(f"<iframe src={attributes.get('src')!r}>")
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "script":
            self._script = attributes
            if not attributes.get("src", "").startswith("/static/") and attributes.get("type") not in (
                self.DATA_SCRIPTS
            ):
                self.problems.append(f"<script {attributes}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        self.shown.append(data)
        if self._script is not None and "<" in data:
            self.problems.append(f"unescaped < in a data script: {data[:80]!r}")


def check_html(html: str, *, iframes: tuple[str, ...] = ()) -> Injections:
    parser = Injections(iframes=iframes)
    parser.feed(html)
    parser.close()
    assert parser.problems == [], parser.problems
    return parser


def assert_shown(parser: Injections, *fields: str) -> None:
    """Each field's payload reached the page as text (so the test did test it)."""
    text = "\n".join(parser.shown)
    missing = [field for field in fields if marker(field) not in text]
    assert missing == []


# --- The hostile newsroom ----------------------------------------------------------------------------------


def hostile_image(agency, field: str):
    return get_image_model().objects.create(
        title=hostile(f"{field}-title"),
        caption=hostile(f"{field}-caption"),
        credit=hostile(f"{field}-credit"),
        file=image_file(width=120, height=80, name=f"{field}.jpg"),
        collection=agency.collection,
        state="ready",
        agency=agency,
    )


def hostile_media(agency, kind: str):
    """A processed clip with hostile title, caption and credit, and the renditions the public site plays."""
    media = get_media_model().objects.create(
        title=hostile(f"{kind}-title"),
        caption=hostile(f"{kind}-caption"),
        credit=hostile(f"{kind}-credit"),
        file=ContentFile(b"\0" * 16, name=f"original-{kind}.bin"),
        type=kind,
        collection=agency.collection,
        state="ready",
        agency=agency,
    )
    if kind == "video":
        media.mp4.save("clip.mp4", ContentFile(b"\0" * 16), save=False)
    else:
        media.audio_rendition.save("clip.m4a", ContentFile(b"\0" * 16), save=False)
    media.save()
    return media


EMBED_URL = "https://www.youtube.com/watch?v=xss"


@pytest.fixture
def newsroom(client, agency, staff):
    return hostile_newsroom(client, agency, editor=staff[Role.EDITOR_IN_CHIEF])


def hostile_newsroom(client, agency, *, editor) -> dict:
    """Make every public text of `agency` hostile, and have `editor` (who may publish) file and publish a
    story through the page editor with hostile text in every field and block."""
    agency.name = hostile("agency")
    agency.governing_body = hostile("governing")
    agency.licence_number = hostile("licence")[:100]
    agency.province = hostile("province")[:100]
    agency.save()
    home = HomePage.objects.get(pk=agency.root_page.pk)
    home.tagline, home.seo_title = hostile("tagline"), hostile("home-seo")
    home.save_revision().publish()
    section = section_of(agency)
    section.title, section.intro = hostile("section"), hostile("intro")
    section.save_revision().publish()
    section.refresh_from_db()

    author = make_author(agency=agency, name=hostile("author"))
    author.job_title, author.bio = hostile("job"), hostile("bio")
    author.save()
    related = make_story(section=section, title=hostile("related"), sapo=hostile("related-sapo"))
    lead, body_image, gallery_image = (hostile_image(agency, name) for name in ("lead", "body", "gallery"))
    video, audio = hostile_media(agency, "video"), hostile_media(agency, "audio")
    Embed.objects.create(
        url=EMBED_URL,
        hash=get_embed_hash(EMBED_URL),
        type="video",
        html='<iframe title="Clip" width="480" height="270" src="https://www.youtube.com/embed/xss"></iframe>',
        width=480,
        height=270,
    )

    body = streamfield(
        [
            ("paragraph", json.dumps(HOSTILE_RICH_TEXT)),
            ("heading", hostile("heading")),
            (
                "image",
                {
                    "image": body_image.pk,
                    "caption": hostile("block-caption"),
                    "credit": hostile("block-credit"),
                },
            ),
            (
                "gallery",
                {
                    "title": hostile("gallery"),
                    "images": streamfield(
                        [
                            ("item", {"image": lead.pk, "caption": hostile("item-caption"), "credit": ""}),
                            ("item", {"image": gallery_image.pk, "caption": "", "credit": ""}),
                        ]
                    ),
                },
            ),
            ("video", {"video": video.pk, "caption": hostile("video-block")}),
            ("audio", {"audio": audio.pk, "caption": ""}),
            ("pull_quote", {"quote": hostile("quote"), "attribution": hostile("attribution")}),
            ("embed", EMBED_URL),
            ("factbox", {"title": hostile("factbox"), "body": json.dumps(HOSTILE_RICH_TEXT)}),
            (
                "data",
                {
                    "title": hostile("data-title"),
                    "kind": "table",
                    "csv": f"Cột,{hostile('csv-head')}\n{hostile('csv-cell').replace(',', ' ')},2\n",
                    "source": hostile("data-source"),
                },
            ),
            ("related_story", {"story": related.pk}),
        ]
    )
    form = nested_form_data(
        {
            "title": hostile("title"),
            "slug": "tin-xss",
            "kicker": hostile("kicker")[:120],
            "sapo": hostile("sapo"),
            "body": body,
            "format": "news",
            "language": "vi",
            "tags": TAG + ",",  # one tag: taggit splits on commas when there is one
            "lead_image": lead.pk,
            "corrections": inline_formset([{"date": "2026-01-15", "note": hostile("correction")}]),
            "comments": inline_formset([]),
            "seo_title": hostile("seo-title"),
            "search_description": hostile("description"),
            "canonical_url": "",
            "location": hostile("location"),
            "desk_note": hostile("desk-note"),
            "action-publish": "Publish",
        }
    )
    form["authors"] = [author.pk]
    client.force_login(editor)
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["newsroom", "storypage", section.pk]), form
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    story = StoryPage.objects.get(slug="tin-xss")
    assert story.live and story.title == hostile("title")
    return {"agency": agency, "story": story, "section": section, "author": author, "related": related}


def page_of(client, newsroom, path: str, **extra) -> str:
    response = get_page(client, newsroom["agency"], path, **extra)
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


# --- The public pages --------------------------------------------------------------------------------------

EVERYWHERE = ("agency", "governing", "licence", "province", "tagline", "section")


def test_the_story_page_shows_every_field_as_text(client, newsroom):
    html = page_of(client, newsroom, newsroom["story"].url)
    parser = check_html(html, iframes=("https://www.youtube.com/embed/",))
    assert_shown(
        parser,
        *EVERYWHERE,
        "title",
        "kicker",
        "sapo",
        "seo-title",
        "description",
        "rich",
        "heading",
        "block-caption",
        "block-credit",
        "lead-caption",
        "lead-credit",
        "lead-title",  # the lead image's alt text
        "body-title",
        "gallery",
        "item-caption",
        "gallery-caption",  # an item without a caption shows the image's
        "gallery-credit",
        "video-block",
        "video-credit",
        "audio-caption",
        "audio-credit",
        "quote",
        "attribution",
        "factbox",
        "data-title",
        "csv-head",
        "csv-cell",
        "data-source",
        "related",
        "correction",
        "author",
    )
    assert TAG in parser.shown
    assert marker("desk-note") not in html  # for the desk only, never published
    # The editor dropped the javascript: link's address and kept the other's as an inert attribute value.
    assert "<a>LINK-A</a>" in html and "javascript:" not in html


def test_structured_data_keeps_the_text_and_cannot_be_closed(client, newsroom):
    html = page_of(client, newsroom, newsroom["story"].url)
    (data,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    document = json.loads(data)
    assert document["headline"] == hostile("title")
    assert document["author"][0]["name"] == hostile("author")
    assert document["publisher"]["name"] == hostile("agency")


def test_the_longform_template_too(client, newsroom):
    story = newsroom["story"]
    story.format = "longform"
    story.save_revision().publish()
    parser = check_html(page_of(client, newsroom, story.url), iframes=("https://www.youtube.com/embed/",))
    assert_shown(parser, *EVERYWHERE, "title", "kicker", "sapo", "rich", "quote", "correction", "author")


def test_front_page_and_section_page(client, newsroom):
    front = check_html(page_of(client, newsroom, "/"))
    assert_shown(front, *EVERYWHERE, "home-seo", "title", "kicker", "sapo", "author", "related")
    section = check_html(page_of(client, newsroom, newsroom["section"].url))
    assert_shown(section, *EVERYWHERE, "intro", "title", "kicker", "sapo", "author")


def test_author_and_tag_pages(client, newsroom):
    author = newsroom["author"]
    parser = check_html(page_of(client, newsroom, f"/tac-gia/{author.slug}/"))
    assert_shown(parser, *EVERYWHERE, "author", "job", "bio", "title", "sapo")
    tag = newsroom["story"].tags.get()
    assert tag.name == TAG
    parser = check_html(page_of(client, newsroom, f"/chu-de/{tag.slug}/"))
    assert_shown(parser, *EVERYWHERE, "title")
    assert TAG in parser.shown


def test_the_search_query_is_echoed_as_text(client, newsroom):
    query = f"XSS-query'><img src=x onerror=alert(1)></title></textarea>{SCRIPT}"
    parser = check_html(page_of(client, newsroom, "/tim-kiem/", data={"q": query}))
    assert_shown(parser, *EVERYWHERE)
    assert query in parser.shown  # in the title, the search box and the summary, as text
    found = check_html(page_of(client, newsroom, "/tim-kiem/", data={"q": "XSS-title"}))
    assert_shown(found, "title", "sapo")


def test_a_javascript_url_cannot_be_a_canonical_url_or_an_embed(client, newsroom, staff):
    story = newsroom["story"]
    client.force_login(staff[Role.EDITOR_IN_CHIEF])
    form = nested_form_data(
        {
            "title": story.title,
            "slug": story.slug,
            "sapo": story.sapo,
            "body": streamfield([("embed", "javascript:alert(1)")]),
            "format": "news",
            "language": "vi",
            "corrections": inline_formset([]),
            "comments": inline_formset([]),
            "canonical_url": "javascript:alert(1)//https://baohaiduong.vn/",
            "action-publish": "Publish",
        }
    )
    response = client.post(reverse("wagtailadmin_pages:edit", args=[story.pk]), form)
    assert response.status_code == 200  # the form comes back with its errors; nothing was published
    story.refresh_from_db()
    assert story.canonical_url == "" and "javascript:" not in json.dumps(story.body.get_prep_value())


# --- The feeds and the partner API --------------------------------------------------------------------------

XHTML = "{http://www.w3.org/1999/xhtml}"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"


def html_texts(root: ET.Element) -> list[str]:
    """The texts feed readers render as HTML: an RSS item's description and content:encoded, and Atom's
    content and summary of type html. Everything else in a feed is plain text by its format's rules."""
    texts = []
    for item in root.iter("item"):
        texts += [child.text or "" for child in item if child.tag in ("description", CONTENT_ENCODED)]
    for element in root.iter():
        if element.tag in (f"{{{ATOM}}}content", f"{{{ATOM}}}summary") and element.get("type") == "html":
            texts.append(element.text or "")
    return texts


def check_xml(document: bytes) -> ET.Element:
    root = ET.fromstring(document)
    for element in root.iter():
        assert element.tag.rpartition("}")[2].lower() != "script", element.tag
        attributes = [name.rpartition("}")[2].lower() for name in element.attrib]
        assert not any(name.startswith("on") for name in attributes), element.tag
    for text in html_texts(root):
        check_html(text)
    return root


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml", "/{section}/rss.xml", "/{section}/atom.xml"])
def test_rss_and_atom(client, newsroom, path):
    response = get_page(client, newsroom["agency"], path.format(section=newsroom["section"].slug))
    assert response.status_code == 200 and "html" not in response["Content-Type"]
    root = check_xml(response.content)
    text = "\n".join(root.itertext())
    assert marker("title") in text and marker("agency") in text


def test_json_feed(client, newsroom):
    response = get_page(client, newsroom["agency"], "/feed.json")
    assert response["Content-Type"].startswith("application/feed+json")
    (item,) = [item for item in response.json()["items"] if item["title"] == hostile("title")]
    # JSON Feed's title, summary and content_text are plain text; only content_html would be HTML.
    check_html(item.get("content_html", ""))
    assert item["summary"] == hostile("sapo")


def test_ninjs_and_newsml(client, newsroom):
    story = newsroom["story"]
    response = get_page(client, newsroom["agency"], f"/api/ninjs/stories/{story.pk}/")
    assert response["Content-Type"].startswith("application/json")
    document = response.json()
    body = next(body["value"] for body in document["bodies"] if body["contenttype"] == "text/html")
    assert_shown(check_html(body), "rich", "heading", "quote", "factbox")
    assert document["headlines"][0]["value"] == hostile("title")

    response = get_page(client, newsroom["agency"], f"/api/newsml/stories/{story.pk}.xml")
    assert "html" not in response["Content-Type"]
    root = check_xml(response.content)
    for element in root.iter():
        if element.tag.startswith(XHTML):
            assert element.tag[len(XHTML) :] not in {"script", "iframe", "object", "embed"}
            assert not any(
                str(value).lower().strip().startswith("javascript:") for value in element.attrib.values()
            )
    assert marker("rich") in "\n".join(root.itertext())


def test_news_sitemap(client, newsroom):
    response = get_page(client, newsroom["agency"], "/sitemap-news.xml")
    assert response.status_code == 200 and "html" not in response["Content-Type"]
    assert marker("title") in "\n".join(check_xml(response.content).itertext())
