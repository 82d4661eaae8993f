"""Telling the newsroom about deliveries: live events to the agency's staff."""

from django.utils.translation import gettext as _

from newsroom.consumers import send_newsroom_event

from .models import Delivery


def delivery_failed(delivery: Delivery) -> None:
    agency_id = delivery.channel.agency_id
    send_newsroom_event(
        agency_id=agency_id,
        event={
            "type": "delivery.failed",
            "delivery": delivery.pk,
            "story": delivery.story_id,
            "title": delivery.story_title,
            "channel": delivery.channel.name,
            "error": delivery.last_error,
            "message": _("“%(story)s” could not be delivered to %(channel)s.")
            % {"story": delivery.story_title, "channel": delivery.channel.name},
        },
    )
