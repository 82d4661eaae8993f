"""The delivery outbox: what publishing writes, in which transaction, and how workers claim it."""

import pytest
from django.db import transaction
from django.utils import timezone

from distribution import outbox
from distribution.models import Channel, Delivery, DeliveryAction, DeliveryState, Publication
from tests.factories import make_story, section_of

pytestmark = pytest.mark.django_db


def channel(agency, name="Đối tác", **fields):
    fields.setdefault("kind", "webhook")
    fields.setdefault("base_url", "http://127.0.0.1:9/hook")
    fields.setdefault("credentials", {"secret": "whsec_dGVzdA=="})
    sections = fields.pop("sections", [])
    made = Channel.objects.create(agency=agency, name=name, **fields)
    made.sections.set(sections)
    made.save()  # a ParentalManyToManyField is written on save
    return made


def deliveries_of(story):
    return list(Delivery.objects.filter(story=story).order_by("pk"))


def test_publishing_writes_one_delivery_per_matching_channel(agency):
    politics, economy = section_of(agency, 0), section_of(agency, 1)
    everywhere = channel(agency, "Mọi mục")
    only_economy = channel(agency, "Kinh tế", sections=[economy])
    channel(agency, "Tắt", enabled=False)
    channel(agency, "Chỉ video", formats=["video"])
    channel(agency, "Chủ đề", tags="chuyển đổi số")

    story = make_story(section=politics, title="Tin chính trị")

    rows = deliveries_of(story)
    assert [(row.channel, row.action, row.state) for row in rows] == [
        (everywhere, DeliveryAction.PUBLISH, DeliveryState.PENDING)
    ]
    assert rows[0].revision == story.live_revision
    assert not Delivery.objects.filter(channel=only_economy).exists()


def test_tag_rule_matches_case_insensitively(agency):
    tagged = channel(agency, "Chủ đề", tags="Chuyển đổi số, Báo chí")
    story = make_story(section=section_of(agency), publish=False)
    story.tags.add("chuyển đổi số")
    story.save_revision().publish()
    assert [row.channel for row in deliveries_of(story)] == [tagged]


def test_a_new_revision_updates_where_the_story_is(agency):
    target = channel(agency)
    story = make_story(section=section_of(agency))
    first = deliveries_of(story)[0]
    Delivery.objects.filter(pk=first.pk).update(state=DeliveryState.DELIVERED)
    Publication.objects.create(story=story, story_title=story.title, channel=target, remote_id="r-1")

    story.title = "Tin đã sửa"
    story.save_revision().publish()
    story.refresh_from_db()

    latest = deliveries_of(story)[-1]
    assert latest.action == DeliveryAction.UPDATE
    assert latest.revision == story.live_revision


def test_updates_not_yet_sent_are_replaced_by_the_newest(agency):
    channel(agency)
    story = make_story(section=section_of(agency))
    for n in range(3):
        story.title = f"Bản sửa {n}"
        story.save_revision().publish()
    states = [(row.action, row.state) for row in deliveries_of(story)]
    assert states == [
        (DeliveryAction.PUBLISH, DeliveryState.PENDING),
        (DeliveryAction.UPDATE, DeliveryState.CANCELLED),
        (DeliveryAction.UPDATE, DeliveryState.CANCELLED),
        (DeliveryAction.UPDATE, DeliveryState.PENDING),
    ]


def test_the_editors_choice_overrides_the_rules(agency, staff):
    ruled_in, ruled_out = channel(agency, "Theo luật"), channel(agency, "Ngoài luật", formats=["video"])
    story = make_story(section=section_of(agency), publish=False)
    outbox.choose_channels(
        story=story, selected={ruled_in.pk: False, ruled_out.pk: True}, user=staff["editor"]
    )
    story.save_revision().publish()
    assert [row.channel for row in deliveries_of(story)] == [ruled_out]


def test_choices_for_another_agencys_channel_are_ignored(agency, other_agency):
    foreign = channel(other_agency, "Kênh khác")
    story = make_story(section=section_of(agency), publish=False)
    outbox.choose_channels(story=story, selected={foreign.pk: True})
    story.save_revision().publish()
    assert deliveries_of(story) == []


def test_unpublishing_cancels_what_never_went_out_and_takes_down_what_did(agency):
    sent, unsent = channel(agency, "Đã gửi"), channel(agency, "Chưa gửi")
    story = make_story(section=section_of(agency))
    Delivery.objects.filter(story=story, channel=sent).update(state=DeliveryState.DELIVERED)
    Publication.objects.create(story=story, story_title=story.title, channel=sent, remote_id="r-1")

    story.unpublish()

    by_channel = {(row.channel, row.action): row.state for row in deliveries_of(story)}
    assert by_channel[(unsent, DeliveryAction.PUBLISH)] == DeliveryState.CANCELLED
    assert by_channel[(sent, DeliveryAction.TAKE_DOWN)] == DeliveryState.PENDING
    assert (unsent, DeliveryAction.TAKE_DOWN) not in by_channel


def test_publication_and_its_deliveries_commit_together(agency):
    channel(agency)
    story = make_story(section=section_of(agency), publish=False)
    revision = story.save_revision()
    with pytest.raises(RuntimeError), transaction.atomic():
        revision.publish()
        assert Delivery.objects.filter(story=story).count() == 1
        raise RuntimeError("the request failed after publishing")
    story.refresh_from_db()
    assert not story.live
    assert not Delivery.objects.filter(story=story).exists()


def test_an_update_waits_for_the_publish_it_updates(agency):
    channel(agency)
    story = make_story(section=section_of(agency))
    story.title = "Bản sửa"
    story.save_revision().publish()
    publish, update = deliveries_of(story)

    first = outbox.claim(limit=5, worker="w1")
    assert [row.pk for row in first] == [publish.pk]
    assert outbox.claim(limit=5, worker="w2") == []  # the update waits while the publish is being sent

    Delivery.objects.filter(pk=publish.pk).update(state=DeliveryState.DELIVERED)
    assert [row.pk for row in outbox.claim(limit=5, worker="w2")] == [update.pk]


def test_claiming_counts_the_attempt_and_respects_next_attempt(agency):
    channel(agency)
    story = make_story(section=section_of(agency))
    row = deliveries_of(story)[0]
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() + timezone.timedelta(minutes=5))
    assert outbox.claim(worker="w") == []
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    [claimed] = outbox.claim(worker="w")
    assert (claimed.state, claimed.attempts, claimed.claimed_by) == (DeliveryState.SENDING, 1, "w")


def test_a_delivery_whose_worker_died_is_claimed_again_after_the_lease(agency, settings):
    settings.DISTRIBUTION_LEASE_SECONDS = 60
    channel(agency)
    make_story(section=section_of(agency))
    [claimed] = outbox.claim(worker="dead")
    assert outbox.claim(worker="alive") == []
    Delivery.objects.filter(pk=claimed.pk).update(claimed_at=timezone.now() - timezone.timedelta(minutes=2))
    [again] = outbox.claim(worker="alive")
    assert (again.pk, again.attempts, again.claimed_by) == (claimed.pk, 2, "alive")


@pytest.mark.parametrize("attempts", [1, 2, 5, 10, 30])
def test_backoff_grows_exponentially_with_jitter_under_a_cap(settings, attempts):
    settings.DISTRIBUTION_BACKOFF_BASE = 10
    settings.DISTRIBUTION_BACKOFF_CAP = 600
    ceiling = min(600, 10 * 2 ** (attempts - 1))
    waits = [outbox.backoff_seconds(attempts) for _ in range(200)]
    assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
    assert len(set(waits)) > 150  # jittered, so retries of many deliveries spread out


def test_retry_makes_a_failed_delivery_due_with_fresh_attempts(agency, staff):
    channel(agency)
    story = make_story(section=section_of(agency))
    row = deliveries_of(story)[0]
    with pytest.raises(ValueError):
        outbox.retry(delivery=row)
    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.FAILED, attempts=8, maybe_sent=True)
    row.refresh_from_db()
    outbox.retry(delivery=row, user=staff["editor"])
    row.refresh_from_db()
    assert (row.state, row.attempts, row.maybe_sent, row.requested_by) == (
        DeliveryState.PENDING,
        0,
        False,
        staff["editor"],
    )
