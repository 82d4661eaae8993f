"""The Zalo OA adapter against its stand-in: article shape, create→verify, errors as HTTP 200, refresh."""

from datetime import timedelta

import httpx
import pytest

from distribution.adapters import AuthError, PermanentError, TemporaryError, adapter_for
from distribution.adapters.zalo import sanitize
from distribution.content import Block, Picture, story_content
from distribution.models import Channel
from tests.distribution.standins import CONTROL, Fault, strings
from tests.factories import make_agency, make_image, make_story, section_of

pytestmark = pytest.mark.django_db

NASTY = "Tin\x00 nóng\x1b <script>alert('x')</script> & \"trích dẫn\""


@pytest.fixture
def zalo(make_channel, http_client):
    return adapter_for(make_channel("zalo", saved=False), client=http_client)


def test_render_keeps_to_zalo_limits(zalo, make_content):
    content = make_content(
        title="Tiêu đề rất dài " * 30,
        authors=["Nguyễn Văn Một Hai Ba Bốn Năm", "Trần Thị Sáu Bảy Tám Chín Mười"],
        sapo="Tóm tắt " * 80,
    )
    article = zalo.render(content)
    assert len(article["title"]) <= 150 and article["title"].endswith("…")
    assert len(article["author"]) <= 50
    assert len(article["description"]) <= 300
    assert article["type"] == "normal" and article["status"] == "show" and article["comment"] == "show"
    assert article["cover"] == {"cover_type": "photo", "photo_url": content.cover.url, "status": "show"}
    assert [block["type"] for block in article["body"]] == ["text", "text", "text"]


def test_render_cleans_control_characters_and_script(zalo, make_content):
    content = make_content(
        title=NASTY,
        sapo=NASTY,
        blocks=[
            Block(
                "text",
                html=f"<p onclick='x()'>{NASTY}<a href='javascript:x()'>bấm</a></p><script>evil()</script>",
            ),
            Block("image", picture=Picture(url="https://baohaiduong.vn/a.jpg", caption=NASTY)),
        ],
    )
    article = zalo.render(content)
    assert not any(CONTROL.search(text) for text in strings(article))
    text = article["body"][0]["content"]
    assert "<script" not in text and "onclick" not in text and "javascript:" not in text
    assert (
        text == "<p>Tin nóng  &amp; &quot;trích dẫn&quot;bấm</p>"
    )  # the script element is gone, its text too
    preview = zalo.preview_html(content)
    assert "<script>" not in preview and "&lt;script&gt;" in preview


def test_sanitize_keeps_zalo_tags_and_safe_links():
    html = (
        '<p>Một <b>hai</b> <i>ba</i><br/><a href="https://a.vn/?x=1&amp;y=2" class="c">4</a></p><div>5</div>'
    )
    assert sanitize(html) == '<p>Một <b>hai</b> <i>ba</i><br><a href="https://a.vn/?x=1&amp;y=2">4</a></p>5'
    assert sanitize("<p><script>x</script></p>") == ""
    assert sanitize("<p>&lt;script&gt;x&lt;/script&gt;</p>") == "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    assert sanitize("<p><b>không đóng") == "<p><b>không đóng</b></p>"


def test_publish_creates_then_verifies(zalo, zalo_standin, make_content):
    content = make_content()
    progress = {}
    result = zalo.publish(content, idempotency_key="k1", progress=progress)
    assert [call.route for call in zalo_standin.calls] == ["create", "verify"]
    assert zalo_standin.violations == []
    [post] = zalo_standin.live()
    assert result.remote_id == post.id and result.remote_url == ""
    assert progress == {"zalo_token": f"tok-{post.id}", "zalo_id": post.id}
    assert zalo_standin.calls[0].headers["access_token"] == zalo_standin.access_token
    assert post.fields["title"] == content.title and post.fields["body"][0]["type"] == "text"


def test_a_retry_after_a_failed_verify_verifies_without_creating_again(zalo, zalo_standin, make_content):
    content = make_content()
    progress = {}
    zalo_standin.script(Fault.ERROR, on="verify")
    with pytest.raises(TemporaryError):
        zalo.publish(content, idempotency_key="k1", progress=progress)
    assert "zalo_token" in progress
    result = zalo.publish(content, idempotency_key="k1", progress=progress)
    assert [call.route for call in zalo_standin.calls] == ["create", "verify", "verify"]
    assert zalo_standin.posts == 1 and zalo_standin.copies(content.title) == 1
    assert result.remote_id == progress["zalo_id"]
    assert zalo_standin.violations == []


def test_an_article_still_processing_is_verified_later(zalo, zalo_standin, make_content):
    zalo_standin.verify_pending = 1
    progress = {}
    with pytest.raises(TemporaryError) as caught:
        zalo.publish(make_content(), idempotency_key="k1", progress=progress)
    assert caught.value.retry_after == 10 and not caught.value.maybe_sent
    assert zalo.publish(make_content(), idempotency_key="k1", progress=progress).remote_id
    assert zalo_standin.posts == 1


def test_update_and_take_down(zalo, zalo_standin, make_content):
    content = make_content()
    result = zalo.publish(content, idempotency_key="k1", progress={})
    changed = make_content(title="Hải Dương điều chỉnh tiến độ cầu vượt sông")
    assert (
        zalo.update(result.remote_id, changed, idempotency_key="k2", progress={}).remote_id
        == result.remote_id
    )
    post = zalo_standin.store[result.remote_id]
    assert post.text == changed.title and len(post.updates) == 1
    zalo.take_down(result.remote_id, idempotency_key="k3", progress={})
    assert post.removed and zalo_standin.live() == []
    assert zalo_standin.violations == []
    with pytest.raises(PermanentError, match="-201"):
        zalo.take_down(result.remote_id, idempotency_key="k4", progress={})


def test_the_cover_falls_back_to_a_body_picture_then_the_channel_default(zalo, zalo_standin, make_content):
    picture = Picture(url="https://baohaiduong.vn/media/images/than.jpg")
    with_body_picture = make_content(cover=None, blocks=[Block("image", picture=picture)])
    assert zalo.render(with_body_picture)["cover"]["photo_url"] == picture.url
    without = make_content(cover=None, blocks=[])
    assert zalo.render(without)["cover"]["photo_url"] == zalo.settings["default_cover_url"]
    assert [block["type"] for block in zalo.render(without)["body"]] == [
        "text"
    ]  # the sapo, as Zalo wants text


def test_an_article_without_any_picture_is_refused_before_sending(
    make_channel, http_client, zalo_standin, make_content
):
    channel = make_channel("zalo", saved=False, settings={"default_cover_url": ""})
    with pytest.raises(PermanentError, match="cover"):
        adapter_for(channel, client=http_client).publish(
            make_content(cover=None, blocks=[]), idempotency_key="k1", progress={}
        )
    assert zalo_standin.received == 0


@pytest.mark.parametrize(
    ("fault", "error", "maybe_sent", "retry_after", "landed"),
    [
        (Fault.RATE_LIMITED, TemporaryError, False, 60, 0),  # HTTP 200, error -32
        (Fault.EXPIRED_TOKEN, AuthError, None, None, 0),  # HTTP 200, error -124
        (Fault.ERROR, TemporaryError, True, None, 0),
        (Fault.UNAVAILABLE, TemporaryError, True, 7, 0),
        (Fault.RESET, TemporaryError, True, None, 0),
        (Fault.RESET_AFTER_STORE, TemporaryError, True, None, 1),
        (Fault.SLOW_AFTER_STORE, TemporaryError, True, None, 1),
        (Fault.MALFORMED, TemporaryError, True, None, 1),
    ],
)
def test_faults_map_to_error_classes(
    zalo, zalo_standin, make_content, fault, error, maybe_sent, retry_after, landed
):
    zalo_standin.script(fault, on="create")
    with pytest.raises(error) as caught:
        zalo.publish(make_content(), idempotency_key="k1", progress={})
    if maybe_sent is not None:
        assert caught.value.maybe_sent is maybe_sent
        assert caught.value.retry_after == retry_after
    assert zalo_standin.posts == landed
    assert zalo_standin.injected[fault] == 1


def test_invalid_token_and_unknown_errors(make_channel, http_client, make_content, zalo_standin):
    stale = adapter_for(
        make_channel("zalo", saved=False, credentials={"access_token": "x"}), client=http_client
    )
    with pytest.raises(AuthError, match="-216"):
        stale.publish(make_content(), idempotency_key="k1", progress={})
    zalo = adapter_for(make_channel("zalo", saved=False), client=http_client)
    with pytest.raises(PermanentError, match="-201"):
        zalo.update("no-such-article", make_content(), idempotency_key="k2", progress={})


def test_the_standin_refuses_a_wrong_shape_as_zalo_does(zalo_standin):
    reply = httpx.post(
        f"{zalo_standin.url}/v2.0/article/create",
        headers={"access_token": zalo_standin.access_token},
        json={"type": "normal", "title": "x" * 151, "body": []},
    )
    assert reply.status_code == 200 and reply.json()["error"] == -201
    assert any("title is longer than 150" in violation for violation in zalo_standin.violations)
    assert zalo_standin.posts == 0


def test_find_the_article_a_timed_out_attempt_created(zalo, zalo_standin, make_content):
    content = make_content()
    progress = {}
    zalo_standin.script(Fault.SLOW_AFTER_STORE, on="create")
    with pytest.raises(TemporaryError) as caught:
        zalo.publish(content, idempotency_key="k1", progress=progress)
    assert caught.value.maybe_sent and progress == {}
    found = zalo.find(content, idempotency_key="k1", progress=progress)
    [post] = zalo_standin.live()
    assert found.remote_id == post.id and progress["zalo_id"] == post.id
    assert zalo.find(make_content(), idempotency_key="k2", progress={}) is None
    assert zalo_standin.violations == []


def test_find_ignores_an_older_article_with_the_same_title(zalo, zalo_standin, make_content):
    yesterday = make_content(title="Dự báo thời tiết")
    zalo.publish(yesterday, idempotency_key="k1", progress={})
    tomorrow = yesterday.last_published_at + timedelta(days=1)
    today = make_content(title="Dự báo thời tiết", first_published_at=tomorrow, last_published_at=tomorrow)
    assert zalo.find(today, idempotency_key="k2", progress={}) is None


def test_find_verifies_a_token_it_already_has(zalo, zalo_standin, make_content):
    progress = {}
    zalo_standin.script(Fault.RESET, on="verify")
    with pytest.raises(TemporaryError):
        zalo.publish(make_content(), idempotency_key="k1", progress=progress)
    assert zalo.find(make_content(), idempotency_key="k1", progress=progress).remote_id == progress["zalo_id"]
    assert [call.route for call in zalo_standin.calls] == ["create", "verify", "verify"]


def test_refresh_stores_both_new_tokens(make_channel, http_client, zalo_standin, make_content):
    zalo = adapter_for(make_channel("zalo"), client=http_client)
    old_refresh = zalo_standin.refresh_token
    zalo_standin.expire_token()
    with pytest.raises(AuthError, match="-124"):
        zalo.publish(make_content(), idempotency_key="k1", progress={})
    assert zalo.refresh_credentials() is True
    stored = Channel.objects.get(pk=zalo.channel.pk).credentials
    assert stored["access_token"] == zalo_standin.access_token != "zalo-access-1"
    assert stored["refresh_token"] == zalo_standin.refresh_token != old_refresh
    assert stored["secret_key"] == zalo_standin.secret_key and stored["expires_at"]
    assert zalo.publish(make_content(), idempotency_key="k1", progress={}).remote_id
    assert zalo_standin.violations == []


def test_refresh_spends_the_refresh_token_once_between_two_workers(make_channel, http_client, zalo_standin):
    channel = make_channel("zalo")
    first, second = (adapter_for(channel, client=http_client) for _ in range(2))
    zalo_standin.expire_token()
    assert first.refresh_credentials() and second.refresh_credentials()
    assert [call.route for call in zalo_standin.calls] == ["oauth_token"]
    assert second.credentials["access_token"] == zalo_standin.access_token


def test_refresh_refused_returns_false(make_channel, http_client, zalo_standin):
    agency = make_agency()
    spent = make_channel("zalo", agency=agency, credentials={"refresh_token": "spent"})
    assert adapter_for(spent, client=http_client).refresh_credentials() is False
    no_secret = adapter_for(
        make_channel("zalo", agency=agency, credentials={"secret_key": ""}), client=http_client
    )
    assert no_secret.refresh_credentials() is False


def test_publish_a_real_story(make_channel, http_client, zalo_standin):
    agency = make_agency()
    story = make_story(
        section=section_of(agency), lead_image=make_image(agency=agency), title="Tin <thật> & đủ"
    )
    content = story_content(story)
    zalo = adapter_for(make_channel("zalo", agency=agency), client=http_client)
    result = zalo.publish(content, idempotency_key="k1", progress={})
    assert zalo_standin.store[result.remote_id].fields["title"] == "Tin <thật> & đủ"
    assert zalo_standin.violations == []


def test_find_pages_back_through_a_busy_account(zalo, zalo_standin, make_content, monkeypatch):
    monkeypatch.setattr("distribution.adapters.zalo.LOOK_UP_LIMIT", 2)
    content = make_content()
    landed = zalo.publish(content, idempotency_key="k1", progress={})
    for n in range(5):
        zalo.publish(make_content(), idempotency_key=f"other{n}", progress={})
    assert zalo.find(content, idempotency_key="k1", progress={}).remote_id == landed.remote_id
    assert [call.route for call in zalo_standin.calls].count("getslice") == 3
    assert zalo_standin.violations == []
