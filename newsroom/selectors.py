"""Reads for the public site, each in a fixed number of queries however many stories there are."""

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from .models import Agency, HomePage, SectionPage, StoryPage
from .search import fold

STORIES_PER_SECTION = 4
MAX_SEARCH_RESULTS = 200


def front_page(*, home: HomePage) -> dict:
    """Top stories, then each live section with its latest stories (none repeated from the top)."""
    stories = StoryPage.objects.live().descendant_of(home).for_listing()
    top = list(stories[: home.top_story_count])
    sections = list(live_sections(home=home))
    ranked = (
        stories.exclude(pk__in=[story.pk for story in top])
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("section")],
                order_by=[F("first_published_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=STORIES_PER_SECTION)
    )
    by_section: dict[int, list[StoryPage]] = {}
    for story in ranked:
        by_section.setdefault(story.section_id, []).append(story)
    return {
        "top_stories": top,
        "sections": [(section, by_section.get(section.pk, [])) for section in sections],
    }


def live_sections(*, home):
    """The live sections under an agency's home page (any Page of it), in the editors' order."""
    return SectionPage.objects.live().child_of(home).order_by("path")


def search_stories(*, home: HomePage, query: str) -> list[StoryPage]:
    """Live stories of the home page's agency matching `query` with or without diacritics, best first."""
    agency = Agency.objects.filter(site__root_page=home).first()
    # SQLite's full-text search (FTS5) fails on a stray double quote; quotes add nothing to this search.
    terms = fold(query).replace('"', " ").strip()
    if agency is None or not terms:
        return []
    hits = StoryPage.objects.live().filter(agency=agency).search(terms, operator="and")
    ids = [hit.pk for hit in hits[:MAX_SEARCH_RESULTS]]
    by_id = {story.pk: story for story in StoryPage.objects.filter(pk__in=ids).for_listing()}
    return [by_id[pk] for pk in ids if pk in by_id]
