from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import Tag, TaggedItemBase
from wagtail import hooks
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
    TitleFieldPanel,
)
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.images import get_image_model, get_image_model_string
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index
from wagtail.utils.decorators import cached_classmethod
from wagtailmedia.edit_handlers import MediaChooserPanel

from ..blocks import StoryBodyBlock
from ..forms import StoryPageForm
from ..search import fold, plain_text
from .agencies import Agency
from .authors import Author


class StoryFormat(models.TextChoices):
    NEWS = "news", _("News")
    LONGFORM = "longform", _("Longform")
    PHOTO = "photo", _("Photo story")
    VIDEO = "video", _("Video")
    PODCAST = "podcast", _("Podcast")
    DATA = "data", _("Data story")
    LIVE = "live", _("Live")


# The renditions a story card's {% picture %} asks for (newsroom/includes/story_card.html), fetched with the
# listing so cards cost no query each. Keep the two in step: the query-count tests fail if they drift.
LISTING_IMAGE_SPECS = ("width-400|format-webp", "width-800|format-webp", "width-1200|format-webp")


def paginate(request, queryset, per_page=None):
    paginator = Paginator(queryset, per_page or settings.NEWSROOM_PAGE_SIZE)
    try:
        return paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage as error:
        raise Http404(_("There is no such page.")) from error


class HomePage(RoutablePageMixin, Page):
    """An agency's front page; also serves its author, tag and search pages."""

    tagline = models.CharField(_("tagline"), max_length=255, blank=True)
    top_story_count = models.PositiveSmallIntegerField(_("top stories shown"), default=5)

    content_panels = [*Page.content_panels, FieldPanel("tagline"), FieldPanel("top_story_count")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["newsroom.SectionPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    @property
    def agency(self):
        return Agency.objects.for_page(self)

    def stories(self):
        return StoryPage.objects.live().descendant_of(self).for_listing()

    def get_context(self, request, *args, **kwargs):
        from ..selectors import front_page

        context = super().get_context(request, *args, **kwargs)
        if not self.is_subpage_request(request):
            context.update(front_page(home=self))
        return context

    @staticmethod
    def is_subpage_request(request) -> bool:
        """True on the author, tag and search pages, which list their own stories, not the front page's."""
        match = getattr(request, "routable_resolver_match", None)
        return match is not None and match.url_name != "index_route"

    @path("tac-gia/<slug:slug>/", name="author")
    def author_page(self, request, slug):
        author = get_object_or_404(Author, agency__site__root_page=self, slug=slug)
        page = paginate(request, self.stories().filter(authors=author))
        return self.render(
            request,
            context_overrides={"author": author, "stories": page},
            template="newsroom/author_page.html",
        )

    @path("chu-de/<str:slug>/", name="tag")
    def tag_page(self, request, slug):
        tag = get_object_or_404(Tag, slug=slug)
        page = paginate(request, self.stories().filter(tags=tag))
        return self.render(
            request, context_overrides={"tag": tag, "stories": page}, template="newsroom/tag_page.html"
        )

    @path("tim-kiem/", name="search")
    def search_page(self, request):
        from ..selectors import search_stories

        query = request.GET.get("q", "").strip()[:200]
        results = search_stories(home=self, query=query) if query else []
        page = paginate(request, results)
        return self.render(
            request,
            context_overrides={"query": query, "stories": page},
            template="newsroom/search_page.html",
        )


class SectionPage(Page):
    """A desk and its part of the site: Politics, Economy, Culture…"""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.StoryPage"]

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["stories"] = paginate(request, StoryPage.objects.live().child_of(self).for_listing())
        return context


class StoryTag(TaggedItemBase):
    content_object = ParentalKey("newsroom.StoryPage", on_delete=models.CASCADE, related_name="tagged_items")


class StoryPageQuerySet(PageQuerySet):
    def for_listing(self):
        """Stories newest first, with everything a story card shows fetched in a fixed number of queries."""
        rendition_model = get_image_model().get_rendition_model()
        renditions = rendition_model.objects.filter(filter_spec__in=LISTING_IMAGE_SPECS)
        return (
            self.select_related("lead_image", "section", "agency")
            .defer("body")  # cards never show it, and decoding 45 bodies is most of a front page's cost
            .prefetch_related(
                "authors",
                Prefetch("lead_image__renditions", queryset=renditions, to_attr="prefetched_renditions"),
            )
            .order_by("-first_published_at", "-pk")
        )


class StoryPage(Page):
    """One story, produced once for every channel."""

    kicker = models.CharField(_("kicker"), max_length=120, blank=True)
    sapo = models.TextField(
        _("sapo"), help_text=_("The standfirst: two or three sentences that tell the story."), max_length=1000
    )
    body = StreamField(StoryBodyBlock(), verbose_name=_("body"), blank=True)
    lead_image = models.ForeignKey(
        get_image_model_string(),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lead image"),
    )
    lead_media = models.ForeignKey(
        settings.WAGTAILMEDIA["MEDIA_MODEL"],
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lead video or audio"),
    )
    authors = ParentalManyToManyField(Author, related_name="stories", blank=True, verbose_name=_("authors"))
    tags = ClusterTaggableManager(through=StoryTag, blank=True, verbose_name=_("tags"))
    format = models.CharField(
        _("format"), max_length=20, choices=StoryFormat.choices, default=StoryFormat.NEWS
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    canonical_url = models.URLField(
        _("canonical URL"), blank=True, help_text=_("Only when the story first appeared elsewhere.")
    )
    # Filed from the field: where the story happened, and what the reporter tells the desk.
    location = models.CharField(
        _("location"), max_length=255, blank=True, help_text=_("Where the story happened, as the dateline.")
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # The reporter's browser names each draft it files, so a create sent twice makes one story.
    filing_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    desk_note = models.TextField(
        _("note to the desk"), blank=True, help_text=_("For editors only; never published.")
    )
    # Derived from the tree on save, so listings need no walk up the tree.
    agency = models.ForeignKey(
        Agency, null=True, editable=False, on_delete=models.SET_NULL, related_name="stories"
    )
    section = models.ForeignKey(
        SectionPage, null=True, editable=False, on_delete=models.SET_NULL, related_name="section_stories"
    )

    content_panels = [
        FieldPanel("kicker"),
        TitleFieldPanel("title", heading=_("Headline")),  # keeps the slug in step with the headline
        FieldPanel("sapo", required_on_save=False),
        FieldPanel("lead_image"),
        MediaChooserPanel("lead_media"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("authors"), FieldPanel("tags"), FieldPanel("format"), FieldPanel("language")],
            heading=_("Byline and classification"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("location"),
                FieldPanel("latitude"),
                FieldPanel("longitude"),
                FieldPanel("desk_note"),
            ],
            heading=_("From the field"),
        ),
        InlinePanel("corrections", heading=_("Corrections"), label=_("Correction")),
    ]
    promote_panels = [*Page.promote_panels, FieldPanel("canonical_url")]
    base_form_class = StoryPageForm

    @cached_classmethod
    def get_edit_handler(cls):
        """Wagtail's tabs plus those other apps add through the `register_story_edit_panels` hook (each
        function returns a list of tabs), so that newsroom never imports the apps that extend the editor."""
        tabs = [
            ObjectList(cls.content_panels, heading=_("Content")),
            ObjectList(cls.promote_panels, heading=_("Promote")),
            ObjectList(cls.settings_panels, heading=_("Settings")),
        ]
        for extra_tabs in hooks.get_hooks("register_story_edit_panels"):
            tabs.extend(extra_tabs())
        return TabbedInterface(tabs, base_form_class=cls.base_form_class).bind_to_model(cls)

    def expired_assets(self) -> list:
        from archive.usage import expired_assets

        return expired_assets(lead_image=self.lead_image, lead_media=self.lead_media, body=self.body)

    parent_page_types = ["newsroom.SectionPage"]
    subpage_types = []

    search_fields = [
        *Page.search_fields,
        index.SearchField("kicker"),
        index.SearchField("sapo"),
        index.SearchField("body"),
        index.SearchField("folded_text"),
        index.FilterField("agency"),
        index.FilterField("format"),
        index.FilterField("language"),
    ]
    api_fields = [
        APIField("kicker"),
        APIField("sapo"),
        APIField("body"),
        APIField("lead_image"),
        APIField("format"),
        APIField("language"),
        APIField("authors"),
        APIField("tags"),
        APIField("canonical_url"),
    ]

    objects = PageManager.from_queryset(StoryPageQuerySet)()

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def get_template(self, request, *args, **kwargs):
        if self.format == StoryFormat.LONGFORM:
            return "newsroom/story_page_longform.html"
        return "newsroom/story_page.html"

    def folded_text(self) -> str:
        body_text = " ".join(block_text(block) for block in self.body)
        return fold(" ".join([self.kicker, self.title, self.sapo, body_text]))

    def save(self, *args, **kwargs):
        self.refresh_placement()
        return super().save(*args, **kwargs)

    # Publication and what it sets off (the delivery outbox's rows, written by page_published receivers)
    # commit together. The editor's views are made atomic by newsroom.middleware.AtomicPublishingMiddleware.
    def publish(self, *args, **kwargs):
        with transaction.atomic():
            return super().publish(*args, **kwargs)

    def unpublish(self, *args, **kwargs):
        with transaction.atomic():
            return super().unpublish(*args, **kwargs)

    def refresh_placement(self):
        """Set the denormalised agency and section from the story's place in the tree."""
        if not self.path:
            return
        self.agency = Agency.objects.for_page(self)
        self.section = SectionPage.objects.filter(path=self.path[: 3 * self.steplen]).first()


def block_text(block) -> str:
    """The readable text of a body block, for the search index."""
    value = block.value
    if hasattr(value, "source"):  # RichText
        return plain_text(value.source)
    if isinstance(value, str):
        return value
    if isinstance(value, dict) or hasattr(value, "items"):
        parts = []
        for key, item in value.items():
            if key in {"caption", "credit", "quote", "attribution", "title", "csv"} and isinstance(item, str):
                parts.append(item)
            elif hasattr(item, "source"):
                parts.append(plain_text(item.source))
        return " ".join(parts)
    return ""


class StoryCorrection(Orderable):
    """A dated correction, shown at the foot of the published story."""

    story = ParentalKey(StoryPage, on_delete=models.CASCADE, related_name="corrections")
    date = models.DateField(_("date"))
    note = models.TextField(_("note"))

    panels = [FieldPanel("date"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
