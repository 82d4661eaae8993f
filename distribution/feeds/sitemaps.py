"""The Google News sitemap: the agency's stories of the last two days, with publication name and language."""

from __future__ import annotations

from ..ninjs import timestamp
from .markup import NEWS, SITEMAP, element, ns, serialize, sub


def news_sitemap_document(*, publication: str, stories, request=None) -> bytes:
    """<urlset> with a <url><news:news> per story of `stories` (live pages, newest first, already limited)."""
    urlset = element("urlset", SITEMAP)
    for story in stories:
        url = sub(urlset, "url")
        sub(url, "loc", story.get_full_url(request))
        news = sub(url, ns(NEWS, "news"))
        source = sub(news, ns(NEWS, "publication"))
        sub(source, ns(NEWS, "name"), publication)
        sub(source, ns(NEWS, "language"), story.language)
        sub(news, ns(NEWS, "publication_date"), timestamp(story.first_published_at))
        sub(news, ns(NEWS, "title"), story.title)
    return serialize(urlset)
