"""The feeds' addresses, named once: for WebSub pings, the feeds' self links and `<link rel="alternate">`."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

# URL names (namespace "distribution") of the feeds an agency and each of its sections have.
FEED_KINDS = ("rss", "atom", "json-feed", "podcast")

MEDIA_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json-feed": "application/feed+json",
    "podcast": "application/rss+xml",
}


@dataclass(frozen=True)
class FeedLink:
    kind: str
    url: str
    media_type: str


def feed_path(kind: str, section: str | None = None) -> str:
    if section:
        return reverse(f"distribution:section-{kind}", kwargs={"section": section})
    return reverse(f"distribution:{kind}")


def feed_links(root_url: str, section: str | None = None, *, kinds=FEED_KINDS) -> list[FeedLink]:
    """The agency's feeds (`section` None) or a section's, as absolute URLs on the agency's site."""
    return [FeedLink(kind, root_url + feed_path(kind, section), MEDIA_TYPES[kind]) for kind in kinds]
