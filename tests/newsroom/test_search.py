"""Vietnamese-aware search on the public site: with or without diacritics, one agency's live stories only."""

import pytest

from newsroom.search import fold
from newsroom.selectors import search_stories
from tests.factories import get_page, make_story, section_of

pytestmark = pytest.mark.django_db

TITLE = "Hải Dương đẩy mạnh chuyển đổi số trong doanh nghiệp"


@pytest.fixture
def story(agency):
    return make_story(section=section_of(agency), title=TITLE)


def titles(response) -> list[str]:
    return [story.title for story in response.context["stories"]]


def test_fold_strips_diacritics_and_case():
    assert fold("Chuyển Đổi Số") == "chuyen doi so"
    assert fold("ĐƯỜNG ĐÊ") == "duong de"


@pytest.mark.parametrize("query", ["chuyen doi so", "Chuyển Đổi Số", "chuyển đổi số", "CHUYEN DOI SO"])
def test_search_page_finds_the_story_with_or_without_diacritics(client, agency, story, query):
    make_story(section=section_of(agency), title="Giá lúa tăng mạnh")

    response = get_page(client, agency, "/tim-kiem/", data={"q": query})

    assert response.status_code == 200
    assert "newsroom/search_page.html" in [t.name for t in response.templates]
    assert titles(response) == [TITLE]
    assert TITLE in response.content.decode()


def test_search_matches_text_in_the_sapo_and_body(agency):
    make_story(
        section=section_of(agency),
        title="Tin kinh tế",
        sapo="Về sản xuất lúa gạo.",
        body=[("paragraph", "<p>Nông dân Thanh Miện thu hoạch vụ chiêm.</p>")],
    )

    assert [s.title for s in search_stories(home=agency.root_page.specific, query="thanh mien")] == [
        "Tin kinh tế"
    ]
    assert [s.title for s in search_stories(home=agency.root_page.specific, query="lua gao")] == [
        "Tin kinh tế"
    ]


def test_search_never_returns_another_agencys_stories(client, agency, other_agency, story):
    theirs = make_story(section=section_of(other_agency), title="Sóc Trăng đẩy mạnh chuyển đổi số")

    ours = get_page(client, agency, "/tim-kiem/", data={"q": "chuyen doi so"})
    on_their_site = get_page(client, other_agency, "/tim-kiem/", data={"q": "chuyen doi so"})

    assert titles(ours) == [TITLE]
    assert titles(on_their_site) == [theirs.title]


def test_search_never_returns_drafts_or_unpublished_stories(client, agency, story):
    make_story(section=section_of(agency), publish=False, title="Bản nháp về chuyển đổi số")
    withdrawn = make_story(section=section_of(agency), title="Bài đã gỡ về chuyển đổi số")
    withdrawn.unpublish()

    response = get_page(client, agency, "/tim-kiem/", data={"q": "chuyển đổi số"})

    assert titles(response) == [TITLE]
    assert "nháp" not in response.content.decode()


def test_search_index_follows_edits(client, agency, story):
    story.title = "Hải Dương phát triển kinh tế số"
    story.save_revision().publish()

    assert titles(get_page(client, agency, "/tim-kiem/", data={"q": "kinh te so"})) == [story.title]
    assert titles(get_page(client, agency, "/tim-kiem/", data={"q": "doanh nghiep"})) == []


def test_empty_or_unmatched_query_shows_no_results(client, agency, story):
    empty = get_page(client, agency, "/tim-kiem/")
    unmatched = get_page(client, agency, "/tim-kiem/", data={"q": "xyzzy"})

    assert empty.status_code == 200 and titles(empty) == []
    assert unmatched.status_code == 200 and titles(unmatched) == []
    assert 'role="status"' in unmatched.content.decode()


def test_search_results_paginate_and_keep_the_query(client, settings, agency):
    settings.NEWSROOM_PAGE_SIZE = 2
    for n in range(3):
        make_story(section=section_of(agency), title=f"Chuyển đổi số: bài {n}")

    first = get_page(client, agency, "/tim-kiem/", data={"q": "chuyen doi so"})
    second = get_page(client, agency, "/tim-kiem/", data={"q": "chuyen doi so", "page": 2})

    assert len(titles(first)) == 2 and len(titles(second)) == 1
    assert 'href="?q=chuyen+doi+so&amp;page=2"' in first.content.decode()
    assert get_page(client, agency, "/tim-kiem/", data={"q": "chuyen doi so", "page": 3}).status_code == 404


def test_query_is_escaped_on_the_results_page(client, agency):
    response = get_page(client, agency, "/tim-kiem/", data={"q": "<script>alert(1)</script>"})

    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
