"""The Facebook Page adapter against a Graph API stand-in: feed posts, Graph error codes, look-up by link."""

from datetime import timedelta

import httpx
import pytest

from distribution.adapters import AuthError, PermanentError, TemporaryError, adapter_for
from tests.distribution.standins import CONTROL, Fault

pytestmark = pytest.mark.django_db

NASTY = "Tin\x00 nóng\x1b <script>alert('x')</script> & \"trích dẫn\""


@pytest.fixture
def facebook(make_channel, http_client):
    return adapter_for(make_channel("facebook", saved=False), client=http_client)


def test_render_is_the_message_and_the_link(facebook, make_content):
    content = make_content(sapo="Tóm tắt dài. " * 6000)
    post = facebook.render(content)
    assert set(post) == {"message", "link"}  # the page token never shows in the editor's preview
    assert post["message"].startswith(content.title + "\n\n") and len(post["message"]) <= 63206
    assert post["link"] == content.url


def test_control_characters_and_script_never_break_the_post(facebook, facebook_standin, make_content):
    content = make_content(title=NASTY, sapo=NASTY)
    assert not CONTROL.search(facebook.render(content)["message"])
    preview = facebook.preview_html(content)
    assert "<script>" not in preview and "&lt;script&gt;" in preview
    facebook.publish(content, idempotency_key="k1", progress={})
    assert facebook_standin.violations == []
    assert "<script>" in facebook_standin.live()[0].text  # plain text: Facebook shows it as such


def test_publish_update_take_down(facebook, facebook_standin, make_content):
    content = make_content()
    result = facebook.publish(content, idempotency_key="k1", progress={})
    [post] = facebook_standin.live()
    assert result.remote_id == post.id and result.remote_id.startswith(facebook_standin.page_id + "_")
    assert result.remote_url == f"https://www.facebook.com/{post.id}"
    assert post.fields == {"message": facebook.render(content)["message"], "link": content.url}
    assert facebook_standin.calls[0].content_type == "application/x-www-form-urlencoded"

    changed = make_content(title="Cập nhật: cầu vượt sông Thái Bình")
    assert facebook.update(result.remote_id, changed, idempotency_key="k2", progress={}) == result
    assert post.text.startswith("Cập nhật") and post.fields["link"] == content.url
    facebook.take_down(result.remote_id, idempotency_key="k3", progress={})
    assert post.removed
    assert facebook_standin.violations == []


def test_a_post_already_gone_is_a_404_for_the_outbox(facebook, make_content):
    with pytest.raises(PermanentError) as caught:
        facebook.take_down("104857600000001_999", idempotency_key="k1", progress={})
    assert caught.value.status == 404


@pytest.mark.parametrize(
    ("fault", "error", "maybe_sent", "retry_after", "landed"),
    [
        (Fault.RATE_LIMITED, TemporaryError, False, None, 0),  # 400, code 32
        (Fault.EXPIRED_TOKEN, AuthError, None, None, 0),  # 400, code 190
        (Fault.ERROR, TemporaryError, True, None, 0),  # 500, code 2
        (Fault.UNAVAILABLE, TemporaryError, True, 7, 0),
        (Fault.RESET, TemporaryError, True, None, 0),
        (Fault.RESET_AFTER_STORE, TemporaryError, True, None, 1),
        (Fault.SLOW_AFTER_STORE, TemporaryError, True, None, 1),
        (Fault.MALFORMED, TemporaryError, True, None, 1),
    ],
)
def test_faults_map_to_error_classes(
    facebook, facebook_standin, make_content, fault, error, maybe_sent, retry_after, landed
):
    facebook_standin.script(fault, on="publish")
    with pytest.raises(error) as caught:
        facebook.publish(make_content(), idempotency_key="k1", progress={})
    if maybe_sent is not None:
        assert (caught.value.maybe_sent, caught.value.retry_after) == (maybe_sent, retry_after)
    assert facebook_standin.posts == landed


def test_a_refused_token_is_not_refreshed(make_channel, http_client, make_content):
    facebook = adapter_for(
        make_channel("facebook", saved=False, credentials={"access_token": "x"}), client=http_client
    )
    with pytest.raises(AuthError, match="190"):
        facebook.publish(make_content(), idempotency_key="k1", progress={})
    assert facebook.refresh_credentials() is False


def test_graph_refusals_are_permanent(make_channel, http_client, facebook_standin, make_content):
    other_page = adapter_for(
        make_channel("facebook", saved=False, settings={"page_id": "42"}), client=http_client
    )
    with pytest.raises(PermanentError, match="100"):
        other_page.publish(make_content(), idempotency_key="k1", progress={})
    no_page = adapter_for(make_channel("facebook", saved=False, settings={"page_id": ""}), client=http_client)
    with pytest.raises(PermanentError, match="page ID"):
        no_page.publish(make_content(), idempotency_key="k1", progress={})


def test_the_standin_refuses_a_wrong_shape_as_graph_does(facebook_standin):
    reply = httpx.post(
        f"{facebook_standin.url}/v21.0/{facebook_standin.page_id}/feed",
        data={"access_token": facebook_standin.page_token, "link": "not a url"},
    )
    assert reply.status_code == 400 and reply.json()["error"]["code"] == 100
    assert facebook_standin.violations == ["publish: message is missing", "publish: link is not a URL"]


def test_find_the_post_a_timed_out_attempt_made(facebook, facebook_standin, make_content):
    content = make_content()
    facebook.publish(make_content(), idempotency_key="k0", progress={})
    facebook_standin.script(Fault.SLOW_AFTER_STORE, on="publish")
    with pytest.raises(TemporaryError) as caught:
        facebook.publish(content, idempotency_key="k1", progress={})
    assert caught.value.maybe_sent
    found = facebook.find(content, idempotency_key="k1", progress={})
    assert found.remote_id == facebook_standin.live()[-1].id
    assert found.remote_url == f"https://www.facebook.com/{found.remote_id}"
    assert facebook.find(make_content(), idempotency_key="k2", progress={}) is None
    assert facebook_standin.violations == []


def test_find_pages_back_through_a_busy_feed(facebook, facebook_standin, make_content, monkeypatch):
    monkeypatch.setattr("distribution.adapters.facebook.LOOK_UP_LIMIT", 2)
    content = make_content()
    landed = facebook.publish(content, idempotency_key="k1", progress={})
    for n in range(5):  # the page kept posting while the delivery waited for its retry
        facebook.publish(make_content(), idempotency_key=f"other{n}", progress={})
    assert facebook.find(content, idempotency_key="k1", progress={}) == landed
    assert [call.route for call in facebook_standin.calls].count("feed") == 3
    assert facebook_standin.violations == []


def test_find_ignores_posts_older_than_the_publication(facebook, make_content):
    content = make_content()
    facebook.publish(content, idempotency_key="k1", progress={})
    later = content.last_published_at + timedelta(days=1)
    republished = make_content(url=content.url, first_published_at=later, last_published_at=later)
    assert facebook.find(republished, idempotency_key="k2", progress={}) is None
