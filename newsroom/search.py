"""Vietnamese-aware search: readers type without diacritics (“chuyen doi so”) as often as with them.

Stories index a folded copy of their text, and queries are folded the same way, so both spellings
meet on every search backend (database, PostgreSQL, Elasticsearch) without a backend-specific analyser.
"""

import unicodedata

from django.utils.html import strip_tags

# NFD leaves đ/Đ whole: it is a letter of its own, not d with a mark.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case `text` and strip its diacritics: “Chuyển đổi số” → “chuyen doi so”."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def plain_text(html: str) -> str:
    return " ".join(strip_tags(html or "").split())
