"""The year a digital-transformation page is about: asked for in the query string, else the current one."""

from django.utils import timezone
from django.utils.translation import gettext as _

FIRST_YEAR = 2023  # Decision 348/QĐ-TTg was signed in April 2023


class YearError(ValueError):
    """A year the pages cannot show; `message` is translated and safe to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def current_year() -> int:
    return timezone.localdate().year


def year_from_query(params, *, name: str = "year") -> int:
    """The year in `params[name]` (the current year when absent). Raises YearError for anything else
    than a year from FIRST_YEAR to the current one."""
    text = (params.get(name) or "").strip()
    if not text:
        return current_year()
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= current_year():
        raise YearError(
            _("Choose a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": current_year()}
        )
    return int(text)


def years() -> list[int]:
    """The years a page may offer, newest first."""
    return list(range(current_year(), FIRST_YEAR - 1, -1))
