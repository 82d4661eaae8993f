"""The public addresses of the distribution app, on every agency's site (the agency is found by host name).

None of them can shadow a page: page URLs end in a slug and a slash, and slugs hold no dots, while every feed
ends in a file name; the API lives under /api/, where a story (which has no children) cannot be.
"""

from django.urls import path

from .feeds import api, views

app_name = "distribution"

urlpatterns = [
    path("rss.xml", views.rss_feed, name="rss"),
    path("atom.xml", views.atom_feed, name="atom"),
    path("feed.json", views.json_feed, name="json-feed"),
    path("podcast.xml", views.podcast_feed, name="podcast"),
    path("podcast-artwork.png", views.podcast_artwork, name="podcast-artwork"),
    path("sitemap-news.xml", views.news_sitemap, name="news-sitemap"),
    path("api/ninjs/stories/", api.ninjs_stories, name="ninjs-stories"),
    path("api/ninjs/stories/<int:story_id>/", api.ninjs_story, name="ninjs-story"),
    path("api/newsml/stories/<int:story_id>.xml", api.newsml_story, name="newsml-story"),
    path("<slug:section>/rss.xml", views.rss_feed, name="section-rss"),
    path("<slug:section>/atom.xml", views.atom_feed, name="section-atom"),
    path("<slug:section>/feed.json", views.json_feed, name="section-json-feed"),
    path("<slug:section>/podcast.xml", views.podcast_feed, name="section-podcast"),
]
