"""Admin panels: the channel form's platform fields, and the story editor's Distribution tab."""

from __future__ import annotations

from urllib.parse import urlencode

from django.forms import Media
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList, Panel

from .forms import platform_field_names
from .selectors import delivery_policy, story_channel_rows

CSS = {"all": ["distribution/css/distribution-admin.css"]}


class PlatformFieldsPanel(Panel):
    """The settings and credentials each platform asks for (fields that ChannelForm adds)."""

    def get_form_options(self):
        # Claims the fields, so that the form does not render them a second time, unstyled.
        return {"fields": platform_field_names()}

    class BoundPanel(Panel.BoundPanel):
        template_name = "distribution/admin/platform_fields_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["groups"] = self.form.platform_groups()
            context["creating"] = self.instance.pk is None
            return context

        @property
        def media(self):
            return Media(js=["distribution/js/channel-form.js"], css=CSS)


class StoryChannelsPanel(Panel):
    """The agency's enabled channels for this story: a tick each (saved at once), the latest delivery,
    the link to the post, and a preview of the story as the channel will show it."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "distribution/admin/story_channels_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            story, user = self.instance, self.request.user
            context.update(story=story, story_saved=bool(story.pk), rows=[])
            if story.pk:
                context.update(
                    rows=story_channel_rows(story),
                    can_choose=story.permissions_for_user(user).can_edit(),
                    choose_url=reverse("distribution_story_channels", args=[story.pk]),
                    csrf_token=get_token(self.request),
                    deliveries_url=(
                        f"{reverse('distribution_deliveries:index')}?{urlencode({'q': story.title})}"
                        if delivery_policy.user_has_permission(user, "view")
                        else ""
                    ),
                )
            return context

        @property
        def media(self):
            return Media(js=["distribution/js/story-channels.js"], css=CSS)


def story_distribution_tab() -> ObjectList:
    return ObjectList([StoryChannelsPanel(heading=_("Channels"))], heading=_("Distribution"))
