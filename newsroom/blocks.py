"""The blocks a story body is made of."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtailmedia.blocks import AudioChooserBlock, VideoChooserBlock

from .charts import ChartKind, parse_csv


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=500)
    credit = blocks.CharBlock(label=_("Credit"), required=False, max_length=255)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "newsroom/blocks/image.html"


class GalleryBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), required=False)
    images = blocks.ListBlock(ImageBlock(), label=_("Images"), min_num=1)

    class Meta:
        icon = "image"
        label = _("Gallery")
        template = "newsroom/blocks/gallery.html"


class VideoBlock(blocks.StructBlock):
    video = VideoChooserBlock(label=_("Video"))
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "newsroom/blocks/video.html"


class AudioBlock(blocks.StructBlock):
    audio = AudioChooserBlock(label=_("Audio"))
    caption = blocks.CharBlock(label=_("Caption"), required=False)

    class Meta:
        icon = "media"
        label = _("Audio")
        template = "newsroom/blocks/audio.html"


class PullQuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Quote"))
    attribution = blocks.CharBlock(label=_("Attribution"), required=False)

    class Meta:
        icon = "openquote"
        label = _("Pull quote")
        template = "newsroom/blocks/pull_quote.html"


class FactboxBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"))
    body = blocks.RichTextBlock(label=_("Facts"), features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "list-ul"
        label = _("Factbox")
        template = "newsroom/blocks/factbox.html"


class CSVDataBlock(blocks.StructBlock):
    """A table or a chart drawn from pasted CSV; the first row is the header."""

    title = blocks.CharBlock(label=_("Title"), required=False)
    kind = blocks.ChoiceBlock(choices=ChartKind.choices, default=ChartKind.TABLE, label=_("Show as"))
    csv = blocks.TextBlock(
        label=_("CSV data"),
        help_text=_(
            "First row: column names. For charts, the first column is the label and the others numbers."
        ),
    )
    source = blocks.CharBlock(label=_("Source"), required=False)

    def clean(self, value):
        value = super().clean(value)
        try:
            parse_csv(value["csv"], numeric=value["kind"] != ChartKind.TABLE)
        except ValueError as error:
            raise blocks.StructBlockValidationError(
                block_errors={"csv": ValidationError(str(error))}
            ) from error
        return value

    class Meta:
        icon = "table"
        label = _("Table or chart")
        template = "newsroom/blocks/csv_data.html"


class RelatedStoryBlock(blocks.StructBlock):
    story = blocks.PageChooserBlock(page_type="newsroom.StoryPage", label=_("Story"))

    class Meta:
        icon = "link"
        label = _("Related story")
        template = "newsroom/blocks/related_story.html"


class StoryBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        label=_("Text"),
        features=["bold", "italic", "link", "document-link", "ol", "ul", "superscript", "subscript"],
        template="newsroom/blocks/paragraph.html",
    )
    heading = blocks.CharBlock(
        label=_("Heading"), form_classname="title", template="newsroom/blocks/heading.html"
    )
    image = ImageBlock()
    gallery = GalleryBlock()
    video = VideoBlock()
    audio = AudioBlock()
    pull_quote = PullQuoteBlock()
    embed = EmbedBlock(label=_("Embed (oEmbed)"), template="newsroom/blocks/embed.html")
    factbox = FactboxBlock()
    data = CSVDataBlock()
    related_story = RelatedStoryBlock()
