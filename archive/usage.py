"""Which archive assets a story uses, and which of them are past their expiry."""

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from .models import ArchiveImage, ArchiveMedia

ASSET_TYPES = (ArchiveImage, ArchiveMedia)


def assets_in(value) -> Iterable:
    """Every archive asset inside a block value, however deeply nested (structs, lists, streams)."""
    if isinstance(value, ASSET_TYPES):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from assets_in(item)
    elif isinstance(value, str | bytes | int | float | bool) or value is None:
        return
    elif hasattr(value, "raw_data") or isinstance(value, list | tuple) or hasattr(value, "__iter__"):
        for item in value:
            yield from assets_in(getattr(item, "value", item))


def story_assets(*, lead_image=None, lead_media=None, body=None) -> list:
    found = [asset for asset in (lead_image, lead_media) if asset is not None]
    if body is not None:
        found.extend(assets_in(body))
    unique = {}
    for asset in found:
        unique.setdefault((type(asset), asset.pk), asset)
    return list(unique.values())


def expired_assets(**parts) -> list:
    return [asset for asset in story_assets(**parts) if asset.is_expired]


def expired_message(assets) -> str:
    titles = ", ".join(f"“{asset.title}”" for asset in assets)
    return _(
        "This story uses archive assets whose licence has expired: %(titles)s. Replace them to publish."
    ) % {"titles": titles}
