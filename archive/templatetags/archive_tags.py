from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def waveform_svg(media, *, bars: int = 120):
    """The audio's peaks as a small inline SVG: drawn on the server, no script needed."""
    peaks = list(media.waveform or [])
    if not peaks:
        return ""
    step = max(1, len(peaks) // bars)
    heights = [max(peaks[i : i + step]) for i in range(0, len(peaks), step)][:bars]
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="0.7" height="{}"/>',
        ((i, round(50 - h * 48, 1), round(max(h * 96, 1), 1)) for i, h in enumerate(heights)),
    )
    return format_html(
        '<svg class="waveform" viewBox="0 0 {} 100" preserveAspectRatio="none" aria-hidden="true" '
        'focusable="false">{}</svg>',
        len(heights),
        rects,
    )
