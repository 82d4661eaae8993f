"""The public site of each agency: home, section, story, author, tag and search pages."""

import html
import json
import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.encoding import iri_to_uri
from taggit.models import Tag
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images import get_image_model
from wagtailmedia.models import get_media_model

from newsroom.models import HomePage, StoryCorrection
from tests.factories import get_page, image_file, make_agency, make_author, make_image, make_story, section_of

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def publish_story(*, section, authors=(), tags=(), **fields):
    """A published story with bylines and tags set before publication, as an editor would."""
    story = make_story(section=section, publish=False, **fields)
    if authors:
        story.authors.set(authors)
    if tags:
        story.tags.add(*tags)
    story.save_revision().publish()
    story.refresh_from_db()
    return story


def small_image(agency, n=0):
    """An image smaller than the smallest rendition, so renditions are quick to make."""
    return get_image_model().objects.create(
        title=f"Ảnh {n}",
        file=image_file(width=120, height=80, name=f"anh{n}.jpg"),
        collection=agency.collection,
    )


def text_of(response) -> str:
    return response.content.decode()


def tag_path(name: str) -> str:
    """The tag page of a tag; tag slugs keep Vietnamese letters, so the URL is percent-encoded."""
    return iri_to_uri(f"/chu-de/{Tag.objects.get(name=name).slug}/")


# --- Pages render ------------------------------------------------------------------------------------


def test_home_page_shows_top_stories_sections_and_the_agency_footer(client):
    agency = make_agency(
        short_name="baothu", name="Báo Thử", licence_number="GP số 12/GP-BTTTT", governing_body="Tỉnh ủy Thử"
    )
    politics, economy = section_of(agency, 1), section_of(agency, 2)
    stories = [make_story(section=politics if n % 2 else economy, title=f"Tin số {n}") for n in range(8)]

    response = get_page(client, agency, "/")

    assert response.status_code == 200
    page = text_of(response)
    assert '<html lang="vi">' in page
    assert 'href="#main"' in page and 'id="main"' in page
    for story in stories:
        assert story.title in page
    assert f'href="{politics.url}"' in page
    assert "GP số 12/GP-BTTTT" in page and "Tỉnh ủy Thử" in page
    assert 'action="/tim-kiem/"' in page
    # The top story's image is not lazy; it is the first thing seen.
    assert response.context["top_stories"][0] == stories[-1]


def test_section_page_lists_its_stories_newest_first_with_pagination(client, settings):
    settings.NEWSROOM_PAGE_SIZE = 2
    agency = make_agency()
    section = section_of(agency)
    first, second, third = (make_story(section=section, title=f"Bài {n}") for n in range(3))
    elsewhere = make_story(section=section_of(agency, 1), title="Bài mục khác")

    page_one = get_page(client, agency, section.url)
    page_two = get_page(client, agency, section.url, data={"page": 2})

    assert page_one.status_code == 200
    assert [s.title for s in page_one.context["stories"]] == [third.title, second.title]
    assert elsewhere.title not in text_of(page_one)
    assert 'rel="next"' in text_of(page_one) and 'href="?page=2"' in text_of(page_one)
    assert 'aria-current="page"' in text_of(page_one)
    assert [s.title for s in page_two.context["stories"]] == [first.title]
    assert 'rel="prev"' in text_of(page_two)


@pytest.mark.parametrize("number", ["3", "99"])
def test_section_page_beyond_the_last_is_404(client, settings, number):
    settings.NEWSROOM_PAGE_SIZE = 2
    agency = make_agency()
    section = section_of(agency)
    for _n in range(3):
        make_story(section=section)

    assert get_page(client, agency, section.url, data={"page": number}).status_code == 404


def test_story_page_shows_the_whole_story(client):
    agency = make_agency()
    section = section_of(agency)
    author = make_author(agency=agency, name="Nguyễn Văn An")
    image = make_image(agency=agency, title="Cầu Phú Lương", caption="Cầu Phú Lương lúc bình minh")
    story = publish_story(
        section=section,
        authors=[author],
        tags=["Giao thông"],
        kicker="Hạ tầng",
        title="Thông xe cầu mới",
        sapo="Cây cầu nối hai bờ sông Thái Bình.",
        lead_image=image,
        body=[
            ("paragraph", "<p>Đoạn văn đầu tiên.</p>"),
            ("heading", "Tiến độ"),
            ("pull_quote", {"quote": "Cầu về đích sớm.", "attribution": "Chủ đầu tư"}),
            ("factbox", {"title": "Số liệu", "body": "<ul><li>Dài 1.200 m</li></ul>"}),
            ("data", {"title": "Vốn", "kind": "bar", "csv": "Năm,Tỷ đồng\n2024,120\n2025,300", "source": ""}),
        ],
    )
    StoryCorrection.objects.create(story=story, date=date(2025, 3, 2), note="Sửa tên chủ đầu tư.")

    response = get_page(client, agency, story.url)

    assert response.status_code == 200
    assert "newsroom/story_page.html" in [t.name for t in response.templates]
    page = text_of(response)
    for text in (
        "Hạ tầng",
        "Thông xe cầu mới",
        "Cây cầu nối hai bờ sông Thái Bình.",
        "Nguyễn Văn An",
        "Đoạn văn đầu tiên.",
        "Tiến độ",
        "Cầu về đích sớm.",
        "Dài 1.200 m",
        "Cầu Phú Lương lúc bình minh",
    ):
        assert text in page
    assert f'href="/tac-gia/{author.slug}/"' in page
    assert f'href="{tag_path("Giao thông")}"' in page
    assert f'href="{section.url}"' in page
    assert "tháng" in page  # a Vietnamese date
    assert '<svg class="chart"' in page
    assert 'class="corrections"' in page and "Sửa tên chủ đầu tư." in page and "02-03-2025" in page
    # The lead image: WebP renditions at several widths, described, and loaded at once.
    lead = re.search(r'<figure class="lead-image">\s*<picture><img ([^>]*)>', page).group(1)
    assert 'alt="Cầu Phú Lương"' in lead
    assert 'loading="eager"' in lead
    assert re.search(r"srcset=\"[^\"]*width-400\.format-webp\.webp 400w, [^\"]*width-800\.format-webp", lead)
    assert "sizes=" in lead


def test_story_page_without_corrections_has_no_corrections_box(client):
    agency = make_agency()
    story = make_story(section=section_of(agency))

    assert 'class="corrections"' not in text_of(get_page(client, agency, story.url))


def test_body_images_are_lazy_and_described(client):
    agency = make_agency()
    image = make_image(agency=agency, title="Lễ hội làng")
    story = make_story(
        section=section_of(agency),
        body=[("image", {"image": image, "caption": "Rước kiệu", "credit": "Minh Anh"})],
    )

    page = text_of(get_page(client, agency, story.url))

    figure = re.search(r'<figure class="figure">\s*<picture><img ([^>]*)>', page).group(1)
    assert 'loading="lazy"' in figure and 'alt="Lễ hội làng"' in figure and "format-webp" in figure
    assert "Rước kiệu" in page and "Minh Anh" in page


def make_media(agency, kind, name):
    """A processed clip: the original plus the renditions the ingest would have made."""
    media = get_media_model().objects.create(
        title=f"Tệp {name}",
        file=ContentFile(b"\0" * 16, name=f"original-{name}"),
        type=kind,
        collection=agency.collection,
        caption=f"Chú thích {name}",
        state="ready",
    )
    stem = name.rsplit(".", 1)[0]
    if kind == "video":
        media.mp4.save(f"{stem}.mp4", ContentFile(b"\0" * 16), save=False)
        media.hls_playlist = f"archive/renditions/media/{media.pk}/hls/master.m3u8"
    else:
        media.audio_rendition.save(f"{stem}.m4a", ContentFile(b"\0" * 16), save=False)
    media.waveform = [0.2, 0.8, 0.5]
    media.save()
    return media


def test_media_gallery_related_story_and_embed_blocks_render(client):
    agency = make_agency()
    section = section_of(agency)
    related = make_story(section=section, title="Bài liên quan")
    withdrawn = make_story(section=section, title="Bài đã gỡ bỏ")
    withdrawn.unpublish()
    url = "https://www.youtube.com/watch?v=abc"
    Embed.objects.create(
        url=url, hash=get_embed_hash(url), type="video", html='<iframe title="Clip"></iframe>'
    )
    video, audio = make_media(agency, "video", "clip.mp4"), make_media(agency, "audio", "podcast.mp3")
    first, second = make_image(agency=agency, title="Ảnh một"), make_image(agency=agency, title="Ảnh hai")
    story = make_story(
        section=section,
        lead_media=video,
        lead_image=first,
        body=[
            (
                "gallery",
                {"title": "Toàn cảnh", "images": [{"image": first, "caption": "Một"}, {"image": second}]},
            ),
            ("video", {"video": video, "caption": "Xem clip"}),
            ("audio", {"audio": audio, "caption": ""}),
            ("related_story", {"story": related}),
            ("related_story", {"story": withdrawn}),
            ("embed", url),
        ],
    )

    page = text_of(get_page(client, agency, story.url))

    assert re.search(
        r'<video controls preload="metadata" playsinline poster="[^"]+format-webp[^"]*">\s*'
        r'<source src="[^"]*master.m3u8" type="application/vnd.apple.mpegurl">'
        r'<source src="[^"]*clip[^"]*.mp4" type="video/mp4">',
        page,
    )
    assert "original-" not in page  # renditions only: the original files are never public
    assert '<figure class="gallery">' in page and "Toàn cảnh" in page and 'alt="Ảnh hai"' in page
    assert "Xem clip" in page
    assert re.search(
        r'<audio controls preload="metadata">\s*<source src="[^"]*podcast[^"]*.m4a" type="audio/mp4">', page
    )
    assert "Chú thích podcast.mp3" in page  # the media's own caption when the block has none
    assert '<svg class="waveform"' in page
    assert f'href="{related.url}"' in page and "Bài liên quan" in page
    assert "Bài đã gỡ bỏ" not in page
    assert '<iframe title="Clip"></iframe>' in page


def test_longform_story_uses_the_longform_template(client):
    agency = make_agency()
    story = make_story(
        section=section_of(agency),
        format="longform",
        lead_image=make_image(agency=agency),
        title="Phóng sự dài",
    )

    response = get_page(client, agency, story.url)

    assert response.status_code == 200
    assert "newsroom/story_page_longform.html" in [t.name for t in response.templates]
    page = text_of(response)
    assert 'class="longform"' in page and 'class="longform__body reading-column"' in page
    assert 'sizes="100vw"' in page  # the hero spans the screen


def test_story_language_sets_the_lang_attribute(client):
    agency = make_agency()
    story = make_story(section=section_of(agency), language="en", title="News in English")

    assert '<html lang="en">' in text_of(get_page(client, agency, story.url))


# --- Search engines and link previews ------------------------------------------------------------------


def test_story_has_news_article_data_open_graph_and_canonical(client):
    agency = make_agency(name="Báo Điện tử Thử")
    author = make_author(agency=agency, name="Trần Thị Bình")
    story = publish_story(
        section=section_of(agency),
        authors=[author],
        title="Khai trương bến xe",
        sapo="Bến xe mới phục vụ 3.000 lượt khách mỗi ngày.",
        lead_image=make_image(agency=agency),
    )

    page = text_of(get_page(client, agency, story.url))

    full_url = f"http://{agency.site.hostname}{story.url}"
    data = json.loads(JSON_LD.search(page).group(1))
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Khai trương bến xe"
    assert data["description"] == "Bến xe mới phục vụ 3.000 lượt khách mỗi ngày."
    assert data["datePublished"].startswith(str(story.first_published_at.year))
    assert data["dateModified"]
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Trần Thị Bình",
            "url": f"http://{agency.site.hostname}/tac-gia/{author.slug}/",
        }
    ]
    assert data["publisher"]["name"] == "Báo Điện tử Thử"
    assert data["mainEntityOfPage"]["@id"] == full_url
    assert data["image"][0].startswith(f"http://{agency.site.hostname}/media/images/")
    assert f'<link rel="canonical" href="{full_url}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Khai trương bến xe">' in page
    assert f'<meta property="og:url" content="{full_url}">' in page
    assert f'<meta property="og:image" content="{data["image"][0]}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page


def test_seo_title_description_and_canonical_url_are_used_when_set(client):
    agency = make_agency()
    story = make_story(
        section=section_of(agency),
        title="Tiêu đề",
        seo_title="Tiêu đề cho máy tìm kiếm",
        search_description="Mô tả riêng.",
        canonical_url="https://baogoc.vn/bai-goc",
    )

    page = text_of(get_page(client, agency, story.url))

    assert "<title>Tiêu đề cho máy tìm kiếm – " in page
    assert '<meta name="description" content="Mô tả riêng.">' in page
    assert '<link rel="canonical" href="https://baogoc.vn/bai-goc">' in page
    assert json.loads(JSON_LD.search(page).group(1))["mainEntityOfPage"]["@id"] == "https://baogoc.vn/bai-goc"


def test_json_ld_cannot_be_broken_out_of_by_a_headline(client):
    agency = make_agency()
    headline = "</script><script>alert(1)</script> & <!--"
    story = make_story(section=section_of(agency), title=headline, sapo=f"Tóm tắt {XSS}")

    page = text_of(get_page(client, agency, story.url))

    assert XSS not in page
    scripts = JSON_LD.findall(page)
    assert len(scripts) == 1
    assert "<" not in scripts[0] and ">" not in scripts[0] and "&" not in scripts[0]
    assert "\\u003c/script\\u003e" in scripts[0]
    data = json.loads(scripts[0])
    assert data["headline"] == headline
    assert data["description"] == f"Tóm tắt {XSS}"


def test_user_text_is_escaped_everywhere(client):
    agency = make_agency()
    image = make_image(agency=agency, title=f"Ảnh {XSS}", caption=f"Chú thích {XSS}")
    story = make_story(
        section=section_of(agency),
        kicker=f"Kicker {XSS}",
        sapo=f"Sapo {XSS}",
        lead_image=image,
        body=[
            ("image", {"image": image, "caption": f"Khối {XSS}", "credit": f"Tác giả {XSS}"}),
            ("pull_quote", {"quote": f"Trích {XSS}", "attribution": XSS}),
            ("data", {"title": XSS, "kind": "table", "csv": f"Cột,{XSS}\nA,1", "source": XSS}),
        ],
    )

    for path in (story.url, "/", story.get_parent().url):
        page = text_of(get_page(client, agency, path))
        assert XSS not in page, path
    page = text_of(get_page(client, agency, story.url))
    assert html.escape(f"Kicker {XSS}", quote=False) in page
    assert html.escape(f"Chú thích {XSS}", quote=False) in page
    assert html.escape(f"Khối {XSS}", quote=False) in page


# --- Author, tag and search pages ------------------------------------------------------------------------


def test_author_page_lists_the_authors_stories(client):
    agency = make_agency()
    author = make_author(agency=agency, name="Lê Văn Cường")
    author.bio = "Phóng viên mảng kinh tế."
    author.photo = make_image(agency=agency, title="Chân dung Cường")
    author.save()
    theirs = publish_story(section=section_of(agency), authors=[author], title="Bài của Cường")
    other = make_story(section=section_of(agency), title="Bài của người khác")

    response = get_page(client, agency, f"/tac-gia/{author.slug}/")

    assert response.status_code == 200
    assert "newsroom/author_page.html" in [t.name for t in response.templates]
    page = text_of(response)
    assert "Lê Văn Cường" in page and "Phóng viên mảng kinh tế." in page
    assert 'alt="Chân dung Cường"' in page and "fill-160x160.format-webp" in page
    assert theirs.title in page and other.title not in page
    assert f'<link rel="canonical" href="http://{agency.site.hostname}/tac-gia/{author.slug}/">' in page


def test_tag_page_lists_the_tagged_stories(client):
    agency = make_agency()
    tagged = publish_story(section=section_of(agency), tags=["Nông thôn mới"], title="Xã đạt chuẩn")
    untagged = make_story(section=section_of(agency), title="Không gắn thẻ")

    response = get_page(client, agency, tag_path("Nông thôn mới"))

    assert response.status_code == 200
    assert "newsroom/tag_page.html" in [t.name for t in response.templates]
    page = text_of(response)
    assert "Nông thôn mới" in page
    assert tagged.title in page and untagged.title not in page


def test_unknown_author_or_tag_is_404(client):
    agency = make_agency()

    assert get_page(client, agency, "/tac-gia/khong-co/").status_code == 404
    assert get_page(client, agency, "/chu-de/khong-co/").status_code == 404


# --- Walls between agencies, and drafts ------------------------------------------------------------------


def test_another_agencys_site_does_not_list_this_agencys_stories(client):
    ours, theirs = make_agency(), make_agency()
    author = make_author(agency=ours)
    story = publish_story(
        section=section_of(ours), authors=[author], tags=["Bầu cử"], title="Tin của báo này"
    )
    make_story(section=section_of(theirs), title="Tin của báo bạn")
    publish_story(section=section_of(theirs), tags=["Bầu cử"], title="Bầu cử ở báo bạn")

    for path in ("/", section_of(theirs).url, tag_path("Bầu cử"), "/tim-kiem/?q=tin"):
        response = get_page(client, theirs, path)
        assert response.status_code == 200, path
        assert story.title not in text_of(response), path
    assert "Tin của báo bạn" in text_of(get_page(client, theirs, "/"))
    assert get_page(client, theirs, f"/tac-gia/{author.slug}/").status_code == 404
    assert get_page(client, theirs, story.url).status_code == 404
    assert story.title in text_of(get_page(client, ours, "/"))


def test_drafts_are_never_listed_or_served(client):
    agency = make_agency()
    author = make_author(agency=agency)
    section = section_of(agency)
    make_story(section=section, title="Bài đã đăng")
    draft = make_story(section=section, publish=False, title="Bản nháp bí mật", kicker="nháp")
    draft.authors.set([author])
    draft.tags.add("Bí mật")
    draft.save_revision()
    unpublished = make_story(section=section, title="Bài đã gỡ")
    unpublished.unpublish()

    for path in ("/", section.url, f"/tac-gia/{author.slug}/", tag_path("Bí mật"), "/tim-kiem/?q=bi+mat"):
        response = get_page(client, agency, path)
        assert response.status_code == 200, path
        assert "Bản nháp bí mật" not in text_of(response), path
        assert "Bài đã gỡ" not in text_of(response), path
    assert "Bài đã đăng" in text_of(get_page(client, agency, "/"))
    assert get_page(client, agency, draft.url or f"{section.url}{draft.slug}/").status_code == 404
    assert get_page(client, agency, f"{section.url}{unpublished.slug}/").status_code == 404


# --- A fixed number of queries however many stories ------------------------------------------------------


@pytest.fixture
def no_rendition_cache(settings):
    """Without Wagtail's rendition cache, an image whose renditions were not prefetched costs a query."""
    settings.CACHES = {
        **settings.CACHES,
        "renditions": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }


def add_stories(agency, author, count, start):
    sections = [section_of(agency, n) for n in range(3)]
    for n in range(start, start + count):
        publish_story(
            section=sections[n % 3],
            authors=[author, make_author(agency=agency)],
            tags=["Chuyển đổi số"],
            title=f"Chuyển đổi số: bài {n}",
            kicker=f"Chủ đề {n}",
            lead_image=small_image(agency, n),
        )


def test_listing_queries_do_not_grow_with_stories(
    client, settings, no_rendition_cache, django_assert_num_queries
):
    settings.NEWSROOM_PAGE_SIZE = 30
    agency = make_agency()
    # Two top stories, so that even with five stories the front page lists some under their sections.
    HomePage.objects.filter(pk=agency.root_page.pk).update(top_story_count=2)
    author = make_author(agency=agency)
    add_stories(agency, author, 5, start=0)
    paths = [
        "/",
        section_of(agency).url,
        f"/tac-gia/{author.slug}/",
        tag_path("Chuyển đổi số"),
        "/tim-kiem/?q=chuyen+doi",
    ]

    with_five = {}
    for path in paths:
        assert (
            get_page(client, agency, path).status_code == 200
        )  # makes the renditions, as a first reader would
        with CaptureQueriesContext(connection) as queries:
            response = get_page(client, agency, path)
        with_five[path] = len(queries)
        assert response.content.count(b"<article") >= 2, path
        assert b"format-webp" in response.content, path

    add_stories(agency, author, 20, start=5)
    for path in paths:
        assert get_page(client, agency, path).status_code == 200
        with django_assert_num_queries(with_five[path], info=path):
            response = get_page(client, agency, path)
        assert response.content.count(b"<article") >= 9, path
