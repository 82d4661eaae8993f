"""Opt-in: archive search through Elasticsearch 8 when ELASTICSEARCH_URL names a server.

Runs with `ELASTICSEARCH_URL=http://127.0.0.1:9200 make test`; skipped, saying why, without it.
"""

import os
import uuid

import pytest
from django.core.management import call_command

from archive.models import ArchiveImage
from tests.factories import make_image

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not ELASTICSEARCH_URL, reason="ELASTICSEARCH_URL is not set: Elasticsearch test skipped"
    ),
]


@pytest.fixture
def elasticsearch(settings):
    index = f"newsroom-test-{uuid.uuid4().hex[:8]}"
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX": index,
            "TIMEOUT": 10,
        }
    }
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend()
    yield backend
    backend.es.indices.delete(index=f"{index}*", ignore_unavailable=True)


def test_archive_assets_are_found_by_caption_credit_and_place(elasticsearch, agency):
    make_image(
        agency=agency, title="DSC_0042", caption="Lễ hội đền Hùng", credit="Minh Anh", location="Phú Thọ"
    )
    make_image(agency=agency, title="DSC_0043", caption="Mùa vải thiều", location="Thanh Hà")
    call_command("update_index", verbosity=0)
    elasticsearch.refresh_indexes()

    def titles(query):
        return {image.title for image in elasticsearch.search(query, ArchiveImage)}

    assert titles("đền Hùng") == {"DSC_0042"}
    assert titles("Minh Anh") == {"DSC_0042"}
    assert titles("Thanh Hà") == {"DSC_0043"}
