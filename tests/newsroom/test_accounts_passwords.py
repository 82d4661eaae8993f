"""The password policy (12 characters, three of four kinds: newsroom/accounts/validators.py beside Django's
validators) and the audit entry of a password change."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import translation

from newsroom.accounts.validators import CharacterClassesValidator, character_classes
from newsroom.models import AuditEntry, Role
from tests.factories import make_user


@pytest.mark.parametrize(
    ("password", "kinds"),
    [
        ("chuthuongdaiqua", 1),
        ("chuthuong-va-so-2026", 3),
        ("Mật khẩu Đủ dài", 3),  # Vietnamese letters have cases too; the space is a symbol
        ("MatKhau2026", 3),
        ("Mật-khẩu-2026", 4),
    ],
)
def test_kinds_of_character(password, kinds):
    assert character_classes(password) == kinds


def test_the_validator_wants_three_kinds_and_says_so_in_the_users_language():
    validator = CharacterClassesValidator(min_classes=3)
    validator.validate("Mat-khau-thu-nghiem-1")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validator.validate("matkhauthunghiem")
    assert refused.value.error_list[0].code == "password_too_simple"
    assert refused.value.messages == [
        "This password is too simple: use at least 3 of these four kinds of character: lower-case letters, "
        "capitals, digits, symbols."
    ]
    with pytest.raises(ValueError):
        CharacterClassesValidator(min_classes=5)


@pytest.mark.django_db
def test_the_configured_policy():
    user = make_user(username="phongvien")
    with translation.override("en"):
        help_texts = " ".join(password_validation.password_validators_help_texts())
        assert "at least 12 characters" in help_texts and "at least 3 of these four kinds" in help_texts
        with pytest.raises(ValidationError) as short:
            password_validation.validate_password("Ngan-qua-1", user)
        assert any("at least 12 characters" in message for message in short.value.messages)
        with pytest.raises(ValidationError) as simple:
            password_validation.validate_password("chuoikytudaimotkieu", user)
        assert any("too simple" in message for message in simple.value.messages)
    password_validation.validate_password("Tin-nong-luc-9-gio", user)


@pytest.mark.django_db
def test_a_password_change_is_audited_and_nothing_else_is(agency):
    reporter = make_user(agency=agency, role=Role.REPORTER)  # a new account's first password: no entry
    reporter.first_name = "Lan"
    reporter.save()  # a change that is not the password: no entry
    assert not AuditEntry.objects.filter(action="auth.password_changed").exists()

    reporter.set_password("Tin-nong-luc-9-gio")
    reporter.save()
    entry = AuditEntry.objects.get(action="auth.password_changed")
    assert (entry.user, entry.agency, entry.object_id) == (reporter, agency, str(reporter.pk))
    assert "Tin-nong" not in str(entry.data)
