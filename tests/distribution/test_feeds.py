"""The pull feeds: RSS, Atom, JSON Feed, podcast, the Google News sitemap and Wagtail's sitemap.xml."""

from __future__ import annotations

import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import jsonschema
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from PIL import Image as PILImage
from wagtail.models import PageLogEntry, PageViewRestriction
from wagtailmedia.models import get_media_model

from distribution.content import MediaFile, Picture, StoryContent
from distribution.feeds import selectors
from distribution.feeds.markup import ATOM, ITUNES, MEDIA, NEWS, PODCAST, SITEMAP
from distribution.feeds.podcast import podcast_document, podcast_guid
from distribution.feeds.syndication import Channel, atom_document, json_feed_document, rss_document
from newsroom.models import StoryPage
from tests.factories import get_page, make_author, make_image, make_story, section_of

HOSTILE = "Tin <script>alert('x')</script> ]]> &amp; \x0b\x1f\x08\x7f 😀 Hải Dương đổi mới"
# What readers get back: the forbidden characters gone, everything else intact.
HOSTILE_READ = "Tin <script>alert('x')</script> ]]> &amp;  😀 Hải Dương đổi mới"
FEEDS = ("/rss.xml", "/atom.xml", "/feed.json", "/podcast.xml")
# Site, agency, view restrictions (twice), the two freshness aggregates, the listing and its three prefetches,
# and the API's page count: ten or eleven, whatever the length of the feed.
MAX_FEED_QUERIES = 11

# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) as a schema: feedparser 6 does not read JSON Feed.
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": {"type": "string", "pattern": "^https?://"},
        "feed_url": {"type": "string", "pattern": "^https?://"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "object", "required": ["name"]}},
        "hubs": {"type": "array", "items": {"type": "object", "required": ["type", "url"]}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_text"]}, {"required": ["content_html"]}],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "title": {"type": "string"},
                    "content_text": {"type": "string"},
                    "summary": {"type": "string"},
                    "image": {"type": "string", "pattern": "^https?://"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "date_modified": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "attachments": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["url", "mime_type"],
                            "properties": {
                                "size_in_bytes": {"type": "integer"},
                                "duration_in_seconds": {"type": "number"},
                            },
                        },
                    },
                },
            },
        },
    },
}


# --- helpers ------------------------------------------------------------------------------------------------


def make_audio(agency, *, size: int = 12345, duration: float = 61.4, title: str = "Bản tin sáng"):
    """Audio through the ingest (ready), with a normalised rendition of exactly `size` bytes."""
    media = get_media_model().objects.create(
        title=title,
        file=ContentFile(b"\0" * 16, name="goc.mp3"),
        type="audio",
        collection=agency.collection,
        agency=agency,
        state="ready",
        duration=duration,
    )
    media.audio_rendition.save("ban-tin.m4a", ContentFile(b"\0" * size), save=False)
    media.save()
    return media


def big_image(agency):
    """An image large enough for podcast artwork (1400 × 1400 and over)."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (1600, 1500), (200, 30, 30)).save(buffer, "JPEG")
    image = make_image(agency=agency, title="Ảnh bìa lớn")
    image.file.save("lon.jpg", ContentFile(buffer.getvalue()), save=False)
    image.width, image.height = 1600, 1500
    image.save()
    return image


def parse(response):
    """The feed as feedparser reads it, failing the test on any well-formedness problem."""
    assert response.status_code == 200, response.content[:500]
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def json_feed(response) -> dict:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    document = json.loads(response.content)
    jsonschema.Draft202012Validator(JSON_FEED_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(
        document
    )
    return document


def titles(response) -> set[str]:
    if response["Content-Type"].startswith("application/feed+json"):
        return {item["title"] for item in json_feed(response)["items"]}
    return {entry.title for entry in parse(response).entries}


def xml(response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.content)


def content(**fields) -> StoryContent:
    values = {
        "story_id": 7,
        "revision_id": 3,
        "agency_id": 1,
        "agency_name": "Báo Hải Dương",
        "url": "http://baohaiduong.localhost/thoi-su/tin/",
        "title": "Tin",
        "kicker": "",
        "sapo": "Tóm tắt",
        "section": "Thời sự",
        "section_slug": "thoi-su",
        "format": "news",
        "language": "vi",
        "authors": ["Minh Anh"],
        "tags": ["chuyển đổi số"],
        "first_published_at": timezone.now(),
        "last_published_at": timezone.now(),
    }
    return StoryContent(**{**values, **fields})


CHANNEL = Channel(
    title="Báo Hải Dương",
    description="Tin mới",
    home_url="http://baohaiduong.localhost/",
    self_url="http://baohaiduong.localhost/rss.xml",
    language="vi",
    publisher="Báo Hải Dương",
)


# --- what a feed lists --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml", "/feed.json"])
def test_feed_lists_the_agencys_live_stories_only(client, agency, other_agency, path):
    section = section_of(agency)
    make_story(section=section, title="Tin đã đăng một")
    make_story(section=section_of(agency, 1), title="Tin đã đăng hai")
    make_story(section=section, title="Bản nháp", publish=False)
    make_story(section=section_of(other_agency), title="Tin của báo khác")
    withdrawn = make_story(section=section, title="Tin đã gỡ")
    withdrawn.unpublish()
    private = make_story(section=section, title="Tin nội bộ")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    assert titles(get_page(client, agency, path)) == {"Tin đã đăng một", "Tin đã đăng hai"}
    assert titles(get_page(client, other_agency, path)) == {"Tin của báo khác"}


@pytest.mark.parametrize("feed", ["rss.xml", "atom.xml", "feed.json", "podcast.xml"])
def test_section_feed_lists_only_its_section(client, agency, feed):
    politics, economy = section_of(agency), section_of(agency, 1)
    make_story(section=politics, title="Tin thời sự", lead_media=make_audio(agency))
    make_story(section=economy, title="Tin kinh tế", lead_media=make_audio(agency))

    assert titles(get_page(client, agency, f"/{politics.slug}/{feed}")) == {"Tin thời sự"}
    assert titles(get_page(client, agency, f"/{economy.slug}/{feed}")) == {"Tin kinh tế"}
    assert get_page(client, agency, f"/khong-co-chuyen-muc/{feed}").status_code == 404


def test_rss_item_carries_media_rss_creators_and_categories(client, agency):
    author = make_author(agency=agency, name="Minh Anh")
    story = make_story(
        section=section_of(agency),
        title="Lễ hội làng",
        lead_image=make_image(agency=agency, title="Rước kiệu", credit="Ảnh: Hoàng Nam"),
        lead_media=make_audio(agency),
    )
    story.authors.add(author)
    story.tags.add("lễ hội")
    story.save_revision().publish()

    response = get_page(client, agency, "/rss.xml")
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    entry = parse(response).entries[0]
    assert entry.link == story.full_url
    assert entry.author == "Minh Anh"  # dc:creator
    assert {tag.term for tag in entry.tags} == {section_of(agency).title, "lễ hội"}
    item = xml(response).find("channel/item")
    thumbnail = item.find(f"{{{MEDIA}}}thumbnail")
    assert thumbnail.get("url").endswith(".jpg") and thumbnail.get("width") == "800"
    picture, audio = item.findall(f"{{{MEDIA}}}content")
    assert picture.get("medium") == "image" and picture.get("type") == "image/jpeg"
    assert picture.find(f"{{{MEDIA}}}credit").text == "Ảnh: Hoàng Nam"
    assert (
        audio.get("medium") == "audio" and audio.get("fileSize") == "12345" and audio.get("duration") == "61"
    )
    self_link = xml(response).find(f"channel/{{{ATOM}}}link[@rel='self']")
    assert self_link.get("href") == f"http://{agency.site.hostname}/rss.xml"


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_survive_hostile_text(client, agency, path):
    author = make_author(agency=agency, name=HOSTILE)
    story = make_story(
        section=section_of(agency),
        title=HOSTILE,
        sapo=HOSTILE,
        kicker="]]>",
        lead_media=make_audio(agency, title=HOSTILE),
        lead_image=make_image(agency=agency, title=HOSTILE, caption=HOSTILE, credit=HOSTILE),
    )
    story.authors.add(author)
    story.tags.add("<b>thẻ</b>")
    story.save_revision().publish()

    response = get_page(client, agency, path)
    if path == "/feed.json":
        item = json_feed(response)["items"][0]
        assert item["title"] == HOSTILE_READ and item["summary"] == HOSTILE_READ
        return
    entry = parse(response).entries[0]
    assert entry.title == HOSTILE_READ
    if entry.summary_detail.type == "text/html":  # RSS: the sapo is escaped into HTML, never becomes markup
        assert "<script>" not in entry.summary and "&lt;script&gt;" in entry.summary
        assert "Hải Dương đổi mới" in entry.summary
    else:  # Atom: a text summary
        assert entry.summary == HOSTILE_READ


@pytest.mark.parametrize("render", [rss_document, atom_document, json_feed_document])
def test_builders_escape_what_the_database_would_refuse(render):
    """PostgreSQL refuses NUL, but a snapshot may still carry one: the feed stays well-formed."""
    nasty = "A\x00B\x0bC\ud800 ]]> <script>x</script>"
    item = content(
        title=nasty,
        sapo=nasty,
        authors=[nasty],
        tags=[nasty],
        cover=Picture(
            url="http://baohaiduong.localhost/a.jpg", caption=nasty, credit=nasty, width=1, height=1
        ),
        media=MediaFile(
            kind="audio", url="http://baohaiduong.localhost/a.m4a", mime_type="audio/mp4", caption=nasty
        ),
    )
    body = render(CHANNEL, [item])
    if render is json_feed_document:
        assert json.loads(body)["items"][0]["title"] == "ABC ]]> <script>x</script>"
        return
    feed = feedparser.parse(body)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.entries[0].title == "ABC ]]> <script>x</script>"


def test_hub_is_advertised_when_configured(client, agency, settings):
    settings.WEBSUB_HUB_URL = "https://hub.example.vn/"
    make_story(section=section_of(agency))
    rss = xml(get_page(client, agency, "/rss.xml"))
    assert rss.find(f"channel/{{{ATOM}}}link[@rel='hub']").get("href") == "https://hub.example.vn/"
    atom = xml(get_page(client, agency, "/atom.xml"))
    assert atom.find(f"{{{ATOM}}}link[@rel='hub']").get("href") == "https://hub.example.vn/"
    assert json_feed(get_page(client, agency, "/feed.json"))["hubs"] == [
        {"type": "WebSub", "url": "https://hub.example.vn/"}
    ]

    settings.WEBSUB_HUB_URL = ""
    assert xml(get_page(client, agency, "/rss.xml")).find(f"channel/{{{ATOM}}}link[@rel='hub']") is None


def test_atom_entry_has_id_dates_author_and_summary(client, agency):
    story = make_story(section=section_of(agency), title="Tin Atom", sapo="Sapo của tin")
    response = get_page(client, agency, "/atom.xml")
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    entry = parse(response).entries[0]
    assert entry.id == f"urn:newsroom:{agency.site.hostname}:story:{story.pk}"
    assert entry.summary == "Sapo của tin"
    assert entry.published_parsed and entry.updated_parsed
    assert parse(response).feed.author == agency.name


# --- podcast ------------------------------------------------------------------------------------------------


def test_podcast_feed_has_the_psp1_tags(client, agency):
    episode = make_story(
        section=section_of(agency),
        title="Bản tin 6 giờ",
        format="podcast",
        lead_media=make_audio(agency, size=54321, duration=125.6),
        lead_image=make_image(agency=agency),
    )
    make_story(section=section_of(agency), title="Tin chữ")  # no audio: not an episode
    make_story(section=section_of(agency), title="Podcast chưa có tiếng", format="podcast")

    response = get_page(client, agency, "/podcast.xml")
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    feed = parse(response)
    assert [entry.title for entry in feed.entries] == ["Bản tin 6 giờ"]

    channel = xml(response).find("channel")
    for tag in ("title", "description", "link", "language"):
        assert channel.findtext(tag), tag
    self_url = f"http://{agency.site.hostname}/podcast.xml"
    assert channel.find(f"{{{ATOM}}}link[@rel='self']").get("href") == self_url
    assert channel.find(f"{{{ITUNES}}}image").get("href").endswith("/podcast-artwork.png")
    assert channel.find(f"{{{ITUNES}}}category").get("text") == "News"
    assert channel.findtext(f"{{{ITUNES}}}explicit") == "false"
    assert channel.findtext(f"{{{ITUNES}}}author") == agency.name
    assert channel.findtext(f"{{{PODCAST}}}locked") == "yes"
    guid = channel.findtext(f"{{{PODCAST}}}guid")
    assert guid == str(
        uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), f"{agency.site.hostname}/podcast.xml")
    )

    item = channel.find("item")
    enclosure = item.find("enclosure")
    assert enclosure.get("length") == "54321" and enclosure.get("type") == "audio/mp4"
    assert enclosure.get("url").startswith(f"http://{agency.site.hostname}/media/archive/renditions/")
    assert enclosure.get("url").endswith(".m4a")
    assert item.findtext("guid") == f"urn:newsroom:{agency.site.hostname}:story:{episode.pk}"
    assert item.findtext(f"{{{ITUNES}}}duration") == "126"
    assert item.findtext(f"{{{ITUNES}}}explicit") == "false"
    assert item.find(f"{{{ITUNES}}}image").get("href").endswith(".jpg")
    assert item.findtext("pubDate") and item.findtext("link") == episode.full_url


def test_podcast_guid_follows_the_psp1_recipe():
    # The example of the podcast namespace's documentation.
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_podcast_artwork_is_a_large_enough_episode_picture_or_a_generated_square(client, agency):
    make_story(
        section=section_of(agency), lead_media=make_audio(agency), lead_image=make_image(agency=agency)
    )
    channel = xml(get_page(client, agency, "/podcast.xml")).find("channel")
    artwork = channel.find(f"{{{ITUNES}}}image").get("href")
    assert artwork == f"http://{agency.site.hostname}/podcast-artwork.png"  # 800 × 500 is too small

    response = get_page(client, agency, "/podcast-artwork.png")
    assert response["Content-Type"] == "image/png"
    assert PILImage.open(io.BytesIO(response.content)).size == (1400, 1400)

    make_story(section=section_of(agency), lead_media=make_audio(agency), lead_image=big_image(agency))
    channel = xml(get_page(client, agency, "/podcast.xml")).find("channel")
    artwork = channel.find(f"{{{ITUNES}}}image").get("href")
    assert "fill-1400x1400" in artwork and artwork.endswith(".jpg")


def test_podcast_builder_skips_episodes_without_media():
    body = podcast_document(CHANNEL, [content(title="Không có tiếng")], artwork_url="http://x.vn/a.png")
    assert feedparser.parse(body).entries == []


# --- Google News sitemap and sitemap.xml --------------------------------------------------------------------


def test_news_sitemap_lists_the_last_two_days_of_the_agency(client, agency, other_agency):
    section = section_of(agency)
    fresh = make_story(section=section, title="Tin hôm nay", language="vi")
    english = make_story(section=section, title="Today's news", language="en")
    old = make_story(section=section, title="Tin ba ngày trước")
    StoryPage.objects.filter(pk=old.pk).update(first_published_at=timezone.now() - timedelta(days=3))
    make_story(section=section, title="Bản nháp", publish=False)
    make_story(section=section_of(other_agency), title="Tin báo khác")

    response = get_page(client, agency, "/sitemap-news.xml")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    urlset = xml(response)
    assert urlset.tag == f"{{{SITEMAP}}}urlset"
    urls = urlset.findall(f"{{{SITEMAP}}}url")
    locations = [url.findtext(f"{{{SITEMAP}}}loc") for url in urls]
    assert locations == [english.full_url, fresh.full_url]  # newest first
    for url, story in zip(urls, [english, fresh], strict=True):
        news = url.find(f"{{{NEWS}}}news")
        assert news.findtext(f"{{{NEWS}}}publication/{{{NEWS}}}name") == agency.name
        assert news.findtext(f"{{{NEWS}}}publication/{{{NEWS}}}language") == story.language
        assert news.findtext(f"{{{NEWS}}}title") == story.title
        published = news.findtext(f"{{{NEWS}}}publication_date")
        assert published.startswith(str(timezone.now().year)) and published[-6] in "+-"


def test_news_sitemap_holds_at_most_the_limit(client, agency, monkeypatch):
    assert selectors.NEWS_SITEMAP_LIMIT == 1000  # Google's rule
    monkeypatch.setattr(selectors, "NEWS_SITEMAP_LIMIT", 3)
    stories = [make_story(section=section_of(agency)) for _ in range(5)]
    urls = xml(get_page(client, agency, "/sitemap-news.xml")).findall(f"{{{SITEMAP}}}url")
    assert [url.findtext(f"{{{SITEMAP}}}loc") for url in urls] == [story.full_url for story in stories[:1:-1]]


def test_sitemap_xml_lists_the_agencys_own_pages_with_lastmod(client, agency, other_agency):
    mine = make_story(section=section_of(agency), title="Tin của tôi")
    theirs = make_story(section=section_of(other_agency), title="Tin của họ")
    draft = make_story(section=section_of(agency), title="Nháp", publish=False)

    urlset = xml(get_page(client, agency, "/sitemap.xml"))
    entries = {url.findtext(f"{{{SITEMAP}}}loc"): url for url in urlset.findall(f"{{{SITEMAP}}}url")}
    host = f"http://{agency.site.hostname}"
    assert mine.full_url in entries
    assert not any(other_agency.site.hostname in location for location in entries)
    assert all(location.startswith(host) for location in entries)
    assert theirs.full_url not in entries
    assert not any(location.endswith(f"/{draft.slug}/") for location in entries)
    assert entries[mine.full_url].findtext(f"{{{SITEMAP}}}lastmod")


# --- conditional GET and caching ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [*FEEDS, "/sitemap-news.xml", "/thoi-su/rss.xml", "/api/ninjs/stories/", "/podcast-artwork.png"]
)
def test_conditional_get_answers_304(client, agency, path):
    make_story(section=section_of(agency), lead_media=make_audio(agency))
    first = get_page(client, agency, path)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"]
    assert first["Cache-Control"].startswith("public, max-age=")

    by_etag = get_page(client, agency, path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"] and "max-age" in by_etag["Cache-Control"]
    by_date = get_page(client, agency, path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    stale = get_page(client, agency, path, HTTP_IF_NONE_MATCH='"something-else"')
    assert stale.status_code == 200


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml", "/feed.json", "/sitemap-news.xml"])
def test_publishing_or_withdrawing_changes_the_validators(client, agency, path):
    story = make_story(section=section_of(agency))
    first = get_page(client, agency, path)

    later = make_story(section=section_of(agency), title="Tin mới hơn")
    after_publish = get_page(client, agency, path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after_publish.status_code == 200 and after_publish["ETag"] != first["ETag"]

    later.unpublish()
    after_withdrawal = get_page(client, agency, path, HTTP_IF_NONE_MATCH=after_publish["ETag"])
    assert after_withdrawal.status_code == 200
    assert "Tin mới hơn".encode() not in after_withdrawal.content
    assert story.title.encode() in after_withdrawal.content


@pytest.mark.parametrize("path", ["/rss.xml", "/sitemap-news.xml", "/api/ninjs/stories/"])
def test_a_withdrawal_is_newer_than_the_last_publication(client, agency, path):
    """A reader who kept only the date sees a withdrawal too: it is logged, and the log dates the listing."""
    make_story(section=section_of(agency))
    later = make_story(section=section_of(agency), title="Tin sẽ gỡ")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    StoryPage.objects.update(last_published_at=an_hour_ago, first_published_at=an_hour_ago)
    PageLogEntry.objects.update(timestamp=an_hour_ago)
    first = get_page(client, agency, path)
    assert first["Last-Modified"] == http_date(an_hour_ago.timestamp())

    later.unpublish()
    since = get_page(client, agency, path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 200 and "Tin sẽ gỡ".encode() not in since.content


def test_saving_a_draft_leaves_the_validators_alone(client, agency):
    story = make_story(section=section_of(agency))
    first = get_page(client, agency, "/rss.xml")
    story.title = "Bản nháp chưa duyệt"
    story.save_revision(log_action=True)
    make_story(section=section_of(agency), publish=False)
    assert get_page(client, agency, "/rss.xml", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_news_sitemap_changes_when_a_story_leaves_the_window(client, agency):
    story = make_story(section=section_of(agency))
    first = get_page(client, agency, "/sitemap-news.xml")
    StoryPage.objects.filter(pk=story.pk).update(
        first_published_at=timezone.now() - timedelta(days=2, minutes=1)
    )
    again = get_page(client, agency, "/sitemap-news.xml", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and xml(again).findall(f"{{{SITEMAP}}}url") == []


# --- cost ---------------------------------------------------------------------------------------------------


def _fill(agency, count: int):
    section = section_of(agency)
    author = make_author(agency=agency)
    image = make_image(agency=agency)
    for n in range(count):
        story = make_story(
            section=section, title=f"Tin số {n}", lead_image=image, lead_media=make_audio(agency)
        )
        story.authors.add(author)
        story.tags.add(f"thẻ {n}")
        story.save_revision().publish()


def test_a_feed_of_fifty_costs_a_bounded_number_of_queries(client, agency, django_assert_max_num_queries):
    _fill(agency, 50)
    for path in ("/rss.xml", "/atom.xml", "/feed.json", "/podcast.xml", "/api/ninjs/stories/?page_size=50"):
        get_page(client, agency, path)  # renditions are made on the first request; later ones only read them
        with django_assert_max_num_queries(MAX_FEED_QUERIES):
            response = get_page(client, agency, path)
        if "ninjs" in path:
            assert len(json.loads(response.content)["items"]) == 50
        else:
            assert len(titles(response)) == 50, path


def test_query_count_does_not_grow_with_the_feed(client, agency):
    _fill(agency, 3)
    get_page(client, agency, "/rss.xml")
    with CaptureQueriesContext(connection) as few:
        get_page(client, agency, "/rss.xml")
    _fill(agency, 12)
    get_page(client, agency, "/rss.xml")
    with CaptureQueriesContext(connection) as many:
        get_page(client, agency, "/rss.xml")
    assert len(many) == len(few)


# --- discovery ----------------------------------------------------------------------------------------------


def test_alternate_links_point_at_feeds_that_answer(client, agency):
    section = section_of(agency)
    make_story(section=section, title="Tin <b>đậm</b>")
    html = render_to_string(
        "distribution/feeds/alternate_links.html", {"current_agency": agency, "section": section}
    )
    links = re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)" title="([^"]+)">', html)
    assert [href for _, href, _ in links] == [
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/podcast.xml",
        f"/{section.slug}/rss.xml",
        f"/{section.slug}/atom.xml",
        f"/{section.slug}/feed.json",
    ]
    for media_type, href, title in links:
        response = get_page(client, agency, href)
        assert response.status_code == 200 and response["Content-Type"].startswith(media_type)
        assert agency.name in title
    assert f"/{section.slug}/" not in render_to_string(
        "distribution/feeds/alternate_links.html", {"current_agency": agency}
    )


def test_public_pages_announce_their_feeds(client, agency):
    section = section_of(agency)
    home = get_page(client, agency, "/").content.decode()
    assert 'type="application/rss+xml" href="/rss.xml"' in home
    assert 'href="/feed.json"' in home
    section_page = get_page(client, agency, section.url).content.decode()
    assert f'href="/{section.slug}/rss.xml"' in section_page
