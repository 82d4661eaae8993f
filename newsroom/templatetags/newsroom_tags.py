"""Template tags of the public site: the agency's home and sections, data blocks and search-engine data."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from wagtail.contrib.routable_page.templatetags.wagtailroutablepage_tags import routablefullpageurl
from wagtail.images.shortcuts import get_rendition_or_not_found

from .. import charts
from ..models import HomePage
from ..selectors import live_sections

register = template.Library()

# Link previews (Open Graph, X/Twitter) and NewsArticle data share one 1.91:1 JPEG every platform reads.
SHARE_IMAGE_SPEC = "fill-1200x630|format-jpeg"

# Inside <script>, text may not hold "</script>" or "<!--"; JSON lets these characters be written escaped.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def agency_home(context):
    """The HomePage of the agency serving this request; None on a site that belongs to no agency."""
    page = context.get("page")
    if isinstance(page, HomePage):
        return page
    agency = context.get("current_agency")
    if agency is None:
        return None
    # `specific` is cached on the request's agency object, so every use in one request costs one query.
    home = agency.root_page.specific
    return home if isinstance(home, HomePage) else None


@register.simple_tag(takes_context=True)
def agency_sections(context):
    """The live sections of the agency serving this request, for the navigation bar."""
    agency = context.get("current_agency")
    if agency is None:
        return []
    return live_sections(home=agency.root_page)


@register.simple_tag
def data_block(value) -> SafeString:
    """A CSV block drawn as a table or chart; a short notice if the stored data no longer parses."""
    try:
        return charts.render(value["csv"], value["kind"], title=value["title"])
    except ValueError:
        return format_html('<p class="data-error">{}</p>', _("This table could not be shown."))


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    """`url` made absolute on the host of this request (already absolute URLs, e.g. on S3, are kept)."""
    request = context.get("request")
    if not url or request is None:
        return url or ""
    return request.build_absolute_uri(url)


@register.simple_tag(takes_context=True)
def canonical_url(context, page) -> str:
    """The story's canonical URL when an editor set one, else the page's own full URL."""
    return getattr(page, "canonical_url", "") or page.get_full_url(context.get("request"))


@register.simple_tag
def share_image(image):
    """The rendition of `image` used in link previews and structured data (None without an image)."""
    if not image:
        return None
    return get_rendition_or_not_found(image, SHARE_IMAGE_SPEC)


@register.simple_tag(takes_context=True)
def news_article_json_ld(context, page, *, canonical: str, image_url: str = "") -> SafeString:
    """A schema.org NewsArticle for `page`, in a <script> element no text of the story can break out of."""
    home = agency_home(context)
    agency = context.get("current_agency")
    authors = [
        {
            "@type": "Person",
            "name": author.name,
            **({"url": routablefullpageurl(context, home, "author", author.slug)} if home else {}),
        }
        for author in page.authors.all()
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "url": canonical,
        "headline": page.title,
        "description": page.sapo,
        "datePublished": _local(page.first_published_at),
        "dateModified": _local(page.last_published_at or page.first_published_at),
        "inLanguage": page.language,
        "author": authors,
    }
    if image_url:
        data["image"] = [image_url]
    if page.section_id:
        data["articleSection"] = page.section.title
    if agency is not None:
        data["publisher"] = {"@type": "NewsMediaOrganization", "name": agency.name}
        if home:
            data["publisher"]["url"] = home.get_full_url(context.get("request"))
    return json_ld_script(data)


def _local(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def json_ld_script(data: dict) -> SafeString:
    """`data` as JSON in a <script type="application/ld+json"> element, with <, > and & escaped."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    # Safe: the JSON above holds no <, > or &, so nothing in it can close the element or start markup.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
