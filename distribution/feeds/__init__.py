"""Pull distribution: the feeds of each agency and section, the Google News sitemap, and the ninjs and
NewsML-G2 API (see distribution/urls.py for the addresses)."""
