"""The signed-webhook adapter against a Standard Webhooks receiver: envelope, signature, dedupe, faults."""

import base64
import json

import pytest

from distribution.adapters import AuthError, PermanentError, TemporaryError, adapter_for
from distribution.adapters.webhook import secret_key, signature
from distribution.content import story_content
from distribution.ninjs import story_uri
from tests.distribution.standins import Fault
from tests.factories import make_agency, make_story, section_of

pytestmark = pytest.mark.django_db

NASTY = "Tin\x00 nóng\x1b <script>alert('x')</script> & \"trích dẫn\""


@pytest.fixture
def webhook(make_channel, http_client):
    return adapter_for(make_channel("webhook", saved=False), client=http_client)


def main_headline(document: dict) -> str:
    return next(item["value"] for item in document["headlines"] if item["role"] == "main")


def test_render_is_the_envelope_with_a_ninjs_document(webhook, make_content):
    content = make_content()
    message = webhook.render(content)
    assert message["type"] == "story.published" and message["timestamp"].endswith("+00:00")
    assert message["data"]["uri"] == story_uri(content)
    assert main_headline(message["data"]) == content.title
    json.dumps(message)  # plain JSON all the way down


def test_publish_is_signed_and_the_receiver_verifies_it(webhook, webhook_standin, make_content):
    content = make_content()
    result = webhook.publish(content, idempotency_key="3f1c0d2e-key", progress={})
    assert webhook_standin.violations == []
    [call] = webhook_standin.calls
    assert call.headers["webhook-id"] == "3f1c0d2e-key"
    assert call.headers["webhook-signature"].startswith("v1,")
    assert call.headers["content-type"] == "application/json"
    [post] = webhook_standin.live()
    assert post.fields["type"] == "story.published" and post.text == content.title
    assert result.remote_id == webhook_standin.partner_ids[story_uri(content)]
    assert result.remote_url == f"{webhook_standin.url}/articles/{result.remote_id}"


def test_without_a_partner_id_the_remote_id_is_the_ninjs_uri(webhook, webhook_standin, make_content):
    webhook_standin.reply_with_id = False
    content = make_content()
    result = webhook.publish(content, idempotency_key="k1", progress={})
    assert (result.remote_id, result.remote_url) == (story_uri(content), "")


def test_update_and_withdraw(webhook, webhook_standin, make_content):
    content = make_content()
    published = webhook.publish(content, idempotency_key="k1", progress={})
    updated = webhook.update(
        published.remote_id,
        make_content(story_id=content.story_id, title="Đã sửa"),
        idempotency_key="k2",
        progress={},
    )
    assert updated.remote_id == published.remote_id
    webhook.take_down(published.remote_id, idempotency_key="k3", progress={})
    assert webhook_standin.by_type() == {"story.published": 1, "story.updated": 1, "story.withdrawn": 1}
    withdrawn = webhook_standin.store["k3"].fields["data"]
    assert withdrawn == {"id": published.remote_id, "pubstatus": "canceled"}
    assert webhook_standin.violations == []


@pytest.mark.parametrize("fault", [Fault.SLOW_AFTER_STORE, Fault.RESET_AFTER_STORE])
def test_a_redelivery_after_a_lost_answer_is_not_posted_twice(webhook, webhook_standin, make_content, fault):
    content = make_content()
    webhook_standin.script(fault)
    with pytest.raises(TemporaryError) as caught:
        webhook.publish(content, idempotency_key="k1", progress={})
    assert caught.value.maybe_sent
    result = webhook.publish(content, idempotency_key="k1", progress={})
    assert result.remote_id.startswith("partner-")
    assert (webhook_standin.posts, webhook_standin.duplicates, webhook_standin.received) == (1, 1, 2)
    assert webhook_standin.copies(content.title) == 1


def test_a_2xx_with_garbage_is_still_a_receipt(webhook, webhook_standin, make_content):
    content = make_content()
    webhook_standin.script(Fault.MALFORMED)
    assert webhook.publish(content, idempotency_key="k1", progress={}).remote_id == story_uri(content)
    assert webhook_standin.posts == 1


@pytest.mark.parametrize(
    ("fault", "error", "maybe_sent", "retry_after"),
    [
        (Fault.ERROR, TemporaryError, True, None),
        (Fault.UNAVAILABLE, TemporaryError, True, 7),
        (Fault.RATE_LIMITED, TemporaryError, False, 7),
        (Fault.RESET, TemporaryError, True, None),
        (Fault.EXPIRED_TOKEN, AuthError, None, None),
    ],
)
def test_faults_map_to_error_classes(
    webhook, webhook_standin, make_content, fault, error, maybe_sent, retry_after
):
    webhook_standin.script(fault)
    with pytest.raises(error) as caught:
        webhook.publish(make_content(), idempotency_key="k1", progress={})
    if maybe_sent is not None:
        assert (caught.value.maybe_sent, caught.value.retry_after) == (maybe_sent, retry_after)
    assert webhook_standin.posts == 0


def test_a_wrong_secret_is_refused_by_the_receiver(make_channel, http_client, webhook_standin, make_content):
    other = "whsec_" + base64.b64encode(b"not-the-partner-key-000000000000").decode()
    webhook = adapter_for(
        make_channel("webhook", saved=False, credentials={"secret": other}), client=http_client
    )
    with pytest.raises(AuthError):
        webhook.publish(make_content(), idempotency_key="k1", progress={})
    assert webhook_standin.violations == ["deliver: signature is wrong"]
    assert webhook.refresh_credentials() is False


def test_a_missing_address_or_secret_fails_at_once(make_channel, http_client, make_content):
    no_url = adapter_for(make_channel("webhook", saved=False, base_url=""), client=http_client)
    with pytest.raises(PermanentError, match="address"):
        no_url.publish(make_content(), idempotency_key="k1", progress={})
    no_secret = adapter_for(
        make_channel("webhook", saved=False, credentials={"secret": ""}), client=http_client
    )
    with pytest.raises(PermanentError, match="secret"):
        no_secret.publish(make_content(), idempotency_key="k1", progress={})


def test_the_url_setting_wins_over_the_api_address(make_channel, http_client, webhook_standin, make_content):
    channel = make_channel(
        "webhook", saved=False, base_url="http://127.0.0.1:9/", settings={"url": webhook_standin.endpoint}
    )
    adapter_for(channel, client=http_client).publish(make_content(), idempotency_key="k1", progress={})
    assert webhook_standin.posts == 1


def test_signature_matches_the_standard_webhooks_example():
    # The example in the Standard Webhooks specification.
    signed = signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_secret_formats():
    raw = b"\x01\x02secret-bytes"
    assert secret_key("whsec_" + base64.b64encode(raw).decode()) == raw
    assert secret_key(base64.b64encode(raw).decode()) == raw
    assert secret_key("plain text secret!") == b"plain text secret!"


def test_control_characters_and_script_never_break_the_message(webhook, webhook_standin, make_content):
    content = make_content(title=NASTY, sapo=NASTY)
    webhook.publish(content, idempotency_key="k1", progress={})
    assert webhook_standin.violations == []
    [post] = webhook_standin.live()
    assert "<script>" in post.text  # text, not markup: the partner escapes it where it shows it
    assert json.loads(webhook_standin.calls[0].body)["data"]["uri"] == story_uri(content)


def test_publish_a_real_story(make_channel, http_client, webhook_standin):
    agency = make_agency()
    story = make_story(section=section_of(agency), title="Tin <thật> & đủ")
    webhook = adapter_for(make_channel("webhook", agency=agency), client=http_client)
    result = webhook.publish(story_content(story), idempotency_key="k1", progress={})
    assert result.remote_id.startswith("partner-")
    [post] = webhook_standin.live()
    assert post.text == "Tin <thật> & đủ" and post.fields["data"]["uri"].endswith(f":story:{story.pk}")
    assert webhook_standin.violations == []
