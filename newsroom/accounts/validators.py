"""The password policy's own rule, beside Django's validators (length, likeness to the account, common
passwords, all digits) in settings.AUTH_PASSWORD_VALIDATORS."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CHARACTER_CLASSES = 4


def character_classes(password: str) -> int:
    """How many of lower-case letters, capitals, digits and other characters (symbols, spaces, letters
    without case) `password` uses. Vietnamese letters count as letters: "ă" is lower-case, "Đ" a capital."""
    kinds = set()
    for character in password:
        if character.islower():
            kinds.add("lower")
        elif character.isupper():
            kinds.add("upper")
        elif character.isdigit():
            kinds.add("digit")
        else:
            kinds.add("other")
    return len(kinds)


class CharacterClassesValidator:
    """A password must use at least `min_classes` of the four kinds of character."""

    def __init__(self, min_classes: int = 3):
        if not 1 <= min_classes <= CHARACTER_CLASSES:
            raise ValueError(f"min_classes must be between 1 and {CHARACTER_CLASSES}")
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        """Returns None; raises ValidationError (code "password_too_simple") for too few kinds."""
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "This password is too simple: use at least %(min)d of these four kinds of character: "
                    "lower-case letters, capitals, digits, symbols."
                ),
                code="password_too_simple",
                params={"min": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must use at least %(min)d of these four kinds of character: lower-case letters, "
            "capitals, digits, symbols."
        ) % {"min": self.min_classes}
