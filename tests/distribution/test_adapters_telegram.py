"""The Telegram channel adapter against a Bot API stand-in: HTML parse mode, limits, retry_after, links."""

import pytest

from distribution.adapters import AuthError, PermanentError, TemporaryError, adapter_for
from tests.distribution.standins import (
    CONTROL,
    TELEGRAM_TEXT_LIMIT,
    Fault,
    TelegramStandIn,
    telegram_visible_text,
)

pytestmark = pytest.mark.django_db

NASTY = "Tin\x00 nóng\x1b <script>alert('x')</script> & \"trích dẫn\" <b>"


@pytest.fixture
def telegram(make_channel, http_client):
    return adapter_for(make_channel("telegram", saved=False), client=http_client)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_render_is_telegram_html(telegram, make_content):
    content = make_content()
    message = telegram.render(content)
    assert message["parse_mode"] == "HTML" and message["chat_id"] == "@baohaiduong_news"
    assert message["link_preview_options"]["is_disabled"] is False
    assert message["text"] == (
        f'<i>Giao thông</i>\n<b><a href="{content.url}">{content.title}</a></b>\n\n{content.sapo}'
    )
    assert telegram_visible_text(message["text"])[1] == []


@pytest.mark.parametrize("sapo", ["Tóm tắt & <dài> " * 600, "Tin 😀 " * 2000, "&" * 5000])
def test_render_keeps_to_4096_characters(telegram, make_content, sapo):
    text = telegram.render(make_content(sapo=sapo))["text"]
    visible, problems = telegram_visible_text(text)
    assert problems == [] and TELEGRAM_TEXT_LIMIT - 100 < utf16_units(visible) <= TELEGRAM_TEXT_LIMIT
    assert text.endswith("…")  # the sapo was cut to fit, not dropped


def test_control_characters_and_script_never_break_the_message(telegram, telegram_standin, make_content):
    content = make_content(title=NASTY, kicker=NASTY, sapo=NASTY)
    text = telegram.render(content)["text"]
    assert not CONTROL.search(text) and "<script>" not in text and "&lt;script&gt;" in text
    assert telegram_visible_text(text)[1] == []
    telegram.publish(content, idempotency_key="k1", progress={})
    assert telegram_standin.violations == []
    preview = telegram.preview_html(content)
    assert "<script>" not in preview and "&lt;script&gt;" in preview


def test_publish_update_take_down(telegram, telegram_standin, make_content):
    result = telegram.publish(make_content(), idempotency_key="k1", progress={})
    [post] = telegram_standin.live()
    assert result.remote_id == f"-1001234567890:{post.id}"
    assert result.remote_url == f"https://t.me/baohaiduong_news/{post.id}"

    changed = make_content(title="Cập nhật: cầu vượt sông Thái Bình")
    assert telegram.update(result.remote_id, changed, idempotency_key="k2", progress={}) == result
    assert "Cập nhật" in post.text
    # An edit to the same text: Telegram says "not modified", which is not a failure.
    assert telegram.update(result.remote_id, changed, idempotency_key="k3", progress={}) == result
    telegram.take_down(result.remote_id, idempotency_key="k4", progress={})
    assert post.removed
    assert telegram_standin.violations == []
    with pytest.raises(PermanentError) as caught:
        telegram.take_down(result.remote_id, idempotency_key="k5", progress={})
    assert caught.value.status == 404  # already gone, as the outbox understands it


def test_a_private_channel_has_no_public_link(make_channel, http_client, make_content):
    standin = TelegramStandIn(username=None).start()
    try:
        channel = make_channel(
            "telegram", saved=False, base_url=standin.url, settings={"chat_id": "-1001234567890"}
        )
        result = adapter_for(channel, client=http_client).publish(
            make_content(), idempotency_key="k1", progress={}
        )
        assert (result.remote_id, result.remote_url) == ("-1001234567890:1", "")
        assert standin.violations == []
    finally:
        standin.stop()


def test_telegram_cannot_be_asked_whether_a_post_landed(telegram):
    assert not telegram.can_look_up and not telegram.idempotent


@pytest.mark.parametrize(
    ("fault", "error", "maybe_sent", "retry_after", "landed"),
    [
        (Fault.RATE_LIMITED, TemporaryError, False, 7, 0),  # parameters.retry_after in the body
        (Fault.EXPIRED_TOKEN, AuthError, None, None, 0),
        (Fault.ERROR, TemporaryError, True, None, 0),
        (Fault.UNAVAILABLE, TemporaryError, True, 7, 0),  # the Retry-After header
        (Fault.RESET, TemporaryError, True, None, 0),
        (Fault.RESET_AFTER_STORE, TemporaryError, True, None, 1),
        (Fault.SLOW_AFTER_STORE, TemporaryError, True, None, 1),
        (Fault.MALFORMED, TemporaryError, True, None, 1),
    ],
)
def test_faults_map_to_error_classes(
    telegram, telegram_standin, make_content, fault, error, maybe_sent, retry_after, landed
):
    telegram_standin.script(fault)
    with pytest.raises(error) as caught:
        telegram.publish(make_content(), idempotency_key="k1", progress={})
    if maybe_sent is not None:
        assert (caught.value.maybe_sent, caught.value.retry_after) == (maybe_sent, retry_after)
    assert telegram_standin.posts == landed
    assert telegram_standin.bot_token not in caught.value.message  # the token is in the URL, never in the log


def test_refusals(make_channel, http_client, telegram_standin, make_content):
    wrong_chat = adapter_for(
        make_channel("telegram", saved=False, settings={"chat_id": "@khac"}), client=http_client
    )
    with pytest.raises(PermanentError, match="chat not found"):
        wrong_chat.publish(make_content(), idempotency_key="k1", progress={})
    no_chat = adapter_for(make_channel("telegram", saved=False, settings={"chat_id": ""}), client=http_client)
    with pytest.raises(PermanentError, match="chat id"):
        no_chat.publish(make_content(), idempotency_key="k1", progress={})
    wrong_bot = adapter_for(
        make_channel("telegram", saved=False, credentials={"bot_token": "1:x"}), client=http_client
    )
    with pytest.raises(AuthError):
        wrong_bot.publish(make_content(), idempotency_key="k1", progress={})
    assert wrong_bot.refresh_credentials() is False
    assert telegram_standin.posts == 0


def test_the_standin_refuses_html_telegram_would_refuse():
    assert telegram_visible_text('<b>đậm</b> &amp; <a href="https://a.vn">link</a>') == ("đậm & link", [])
    assert telegram_visible_text("<script>x</script>")[1]
    assert telegram_visible_text("a < b")[1]
    assert telegram_visible_text("<b>không đóng")[1]
