"""Thousands of malformed, forged and mutated reader events: never a 5xx, never stored, every one counted."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import visitors
from analytics.models import Event, IngestCount
from analytics.store import get_store
from tests.factories import make_story, section_of

from .beacon_client import engagement, pageview, post

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=700,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Values each field of a real event can never take.
NOT_INT = st.none() | st.booleans() | st.floats() | st.text(max_size=10) | st.lists(st.integers(), max_size=2)
INVALID = {
    "k": json_values.filter(lambda v: v not in ("pv", "en")),
    "p": NOT_INT | st.integers(max_value=0) | st.integers(min_value=2**31),
    "t": json_values.filter(lambda v: not isinstance(v, str) or len(v) != 16)
    | st.text(min_size=16, max_size=16),
    "i": json_values.filter(lambda v: not isinstance(v, str)) | st.text(max_size=15) | st.text(min_size=33),
    "s": NOT_INT | st.integers(min_value=1),
    "r": json_values.filter(lambda v: not isinstance(v, str)) | st.text(min_size=2049, max_size=2100),
    "u": json_values.filter(lambda v: not isinstance(v, str)) | st.text(min_size=1025, max_size=1100),
}
INVALID_ENGAGEMENT = {
    "s": NOT_INT | st.integers(max_value=0) | st.integers(min_value=501),
    "e": NOT_INT | st.integers(max_value=-1) | st.integers(min_value=1801),
    "d": NOT_INT | st.integers(max_value=-1) | st.integers(min_value=101),
}


@pytest.fixture
def story(agency):
    visitors._salts.clear()
    return make_story(section=section_of(agency))


@pytest.fixture
def quiet(settings):
    settings.ANALYTICS_RATE_LIMIT_PER_MINUTE = 10**9


def assert_refused_and_counted(answers: list[int]) -> None:
    get_store().flush()
    assert all(400 <= status < 500 for status in answers), sorted(set(answers))
    assert Event.objects.count() == 0
    assert sum(IngestCount.objects.values_list("count", flat=True)) == len(answers)


def test_random_bytes(client, agency, story, quiet):
    answers = []

    @FUZZ
    @given(st.binary(max_size=5000))
    def send(body):
        answers.append(post(client, agency, body).status_code)

    send()
    assert_refused_and_counted(answers)


def test_random_json(client, agency, story, quiet):
    answers = []

    @FUZZ
    @given(json_values)
    def send(value):
        answers.append(post(client, agency, json.dumps(value)).status_code)

    send()
    assert_refused_and_counted(answers)


def test_page_views_with_one_field_broken(client, agency, story, quiet):
    answers = []

    @FUZZ
    @given(st.sampled_from(sorted(INVALID)).flatmap(lambda name: st.tuples(st.just(name), INVALID[name])))
    def send(broken):
        name, value = broken
        answers.append(post(client, agency, {**pageview(story), name: value}).status_code)

    send()
    assert_refused_and_counted(answers)


def test_engagements_with_one_field_broken(client, agency, story, quiet):
    view = pageview(story)
    assert post(client, agency, view).status_code == 204
    get_store().flush()
    Event.objects.all().delete()  # Only what follows is under test.
    answers = []
    fields = {**INVALID_ENGAGEMENT, **{k: v for k, v in INVALID.items() if k in "kpti"}}

    @FUZZ
    @given(st.sampled_from(sorted(fields)).flatmap(lambda name: st.tuples(st.just(name), fields[name])))
    def send(broken):
        name, value = broken
        event = {**engagement(view, sequence=1, seconds=10, scroll=10), name: value}
        answers.append(post(client, agency, event).status_code)

    send()
    assert_refused_and_counted(answers)
