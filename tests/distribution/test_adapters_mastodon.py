"""The Mastodon adapter against an instance stand-in: 500 characters as Mastodon counts, Idempotency-Key."""

import pytest

from distribution.adapters import AuthError, PermanentError, TemporaryError, adapter_for
from tests.distribution.standins import CONTROL, MASTODON_URL, Fault

pytestmark = pytest.mark.django_db

NASTY = "Tin\x00 nóng\x1b <script>alert('x')</script> & \"trích dẫn\""


@pytest.fixture
def mastodon(make_channel, http_client):
    return adapter_for(make_channel("mastodon", saved=False), client=http_client)


def mastodon_length(status: str) -> int:
    return len(MASTODON_URL.sub("x" * 23, status))


def test_render_is_the_headline_and_the_link(mastodon, make_content):
    content = make_content()
    assert mastodon.render(content) == {
        "status": f"{content.title}\n\n{content.url}",
        "visibility": "public",
        "language": "vi",
    }


def test_render_counts_a_link_as_23_characters(mastodon, make_content):
    long_url = "https://baohaiduong.vn/thoi-su/" + "duong-dan-rat-dai-" * 15 + "/"
    status = mastodon.render(make_content(title="Tiêu đề rất dài " * 60, url=long_url))["status"]
    assert len(status) > 500 and mastodon_length(status) <= 500
    assert mastodon_length(status) > 490  # the headline took the room the link does not
    assert status.endswith("\n\n" + long_url)


def test_settings_choose_visibility_and_limit(make_channel, http_client, make_content):
    settings = {"visibility": "unlisted", "max_characters": "100"}
    mastodon = adapter_for(make_channel("mastodon", saved=False, settings=settings), client=http_client)
    status = mastodon.render(make_content(title="Tiêu đề " * 40, language="vi-VN"))
    assert status["visibility"] == "unlisted" and status["language"] == "vi"
    assert mastodon_length(status["status"]) <= 100


def test_publish_sends_the_idempotency_key(mastodon, mastodon_standin, make_content):
    content = make_content()
    result = mastodon.publish(content, idempotency_key="0b6c-key", progress={})
    [call] = mastodon_standin.calls
    assert call.headers["idempotency-key"] == "0b6c-key"
    assert call.headers["authorization"] == f"Bearer {mastodon_standin.access_token}"
    [post] = mastodon_standin.live()
    assert result.remote_id == post.id
    assert result.remote_url == f"{mastodon_standin.url}/@baohaiduong/{post.id}"
    assert mastodon_standin.violations == []


@pytest.mark.parametrize("fault", [Fault.SLOW_AFTER_STORE, Fault.RESET_AFTER_STORE, Fault.MALFORMED])
def test_a_retry_after_a_lost_answer_gets_the_same_status(mastodon, mastodon_standin, make_content, fault):
    content = make_content()
    mastodon_standin.script(fault)
    with pytest.raises(TemporaryError) as caught:
        mastodon.publish(content, idempotency_key="k1", progress={})
    assert caught.value.maybe_sent
    result = mastodon.publish(content, idempotency_key="k1", progress={})
    assert mastodon_standin.posts == 1 and mastodon_standin.copies(content.title) == 1
    assert result.remote_id == mastodon_standin.live()[0].id


def test_update_and_take_down(mastodon, mastodon_standin, make_content):
    result = mastodon.publish(make_content(), idempotency_key="k1", progress={})
    changed = make_content(title="Cập nhật: cầu vượt sông Thái Bình")
    assert mastodon.update(result.remote_id, changed, idempotency_key="k2", progress={}) == result
    [post] = mastodon_standin.live()
    assert post.text.startswith("Cập nhật") and "visibility" not in post.updates[0]
    mastodon.take_down(result.remote_id, idempotency_key="k3", progress={})
    assert post.removed
    assert mastodon_standin.violations == []
    with pytest.raises(PermanentError) as caught:
        mastodon.take_down(result.remote_id, idempotency_key="k4", progress={})
    assert caught.value.status == 404  # already gone, as the outbox understands it


@pytest.mark.parametrize(
    ("fault", "error", "maybe_sent", "retry_after", "landed"),
    [
        # Mastodon throttles with X-RateLimit-Reset (an ISO time), not Retry-After: the wait is read from it.
        (Fault.RATE_LIMITED, TemporaryError, False, pytest.approx(7, abs=1.5), 0),
        (Fault.EXPIRED_TOKEN, AuthError, None, None, 0),
        (Fault.ERROR, TemporaryError, True, None, 0),
        (Fault.UNAVAILABLE, TemporaryError, True, 7, 0),
        (Fault.RESET, TemporaryError, True, None, 0),
        (Fault.SLOW_AFTER_STORE, TemporaryError, True, None, 1),
    ],
)
def test_faults_map_to_error_classes(
    mastodon, mastodon_standin, make_content, fault, error, maybe_sent, retry_after, landed
):
    mastodon_standin.script(fault)
    with pytest.raises(error) as caught:
        mastodon.publish(make_content(), idempotency_key="k1", progress={})
    if maybe_sent is not None:
        assert (caught.value.maybe_sent, caught.value.retry_after) == (maybe_sent, retry_after)
    assert mastodon_standin.posts == landed


def test_a_refused_token_is_not_refreshed(mastodon, mastodon_standin, make_content):
    mastodon_standin.expired = True
    with pytest.raises(AuthError):
        mastodon.publish(make_content(), idempotency_key="k1", progress={})
    assert mastodon.refresh_credentials() is False


def test_a_status_the_instance_finds_too_long_is_refused(
    make_channel, http_client, mastodon_standin, make_content
):
    # The channel believes in a 1000-character limit; the instance keeps Mastodon's 500.
    channel = make_channel("mastodon", saved=False, settings={"max_characters": "1000"})
    with pytest.raises(PermanentError) as caught:
        adapter_for(channel, client=http_client).publish(
            make_content(title="Dài " * 200), idempotency_key="k1", progress={}
        )
    assert caught.value.status == 422
    assert mastodon_standin.violations == ["create: Text character limit of 500 exceeded"]


def test_an_instance_address_is_required(make_channel, http_client, make_content):
    mastodon = adapter_for(make_channel("mastodon", saved=False, base_url=""), client=http_client)
    with pytest.raises(PermanentError, match="instance"):
        mastodon.publish(make_content(), idempotency_key="k1", progress={})


def test_control_characters_and_script_never_break_the_status(mastodon, mastodon_standin, make_content):
    content = make_content(title=NASTY)
    assert not CONTROL.search(mastodon.render(content)["status"])
    mastodon.publish(content, idempotency_key="k1", progress={})
    assert mastodon_standin.violations == []
    preview = mastodon.preview_html(content)
    assert "<script>" not in preview and "&lt;script&gt;" in preview
