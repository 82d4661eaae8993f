"""Secrets at rest: channel credentials and API tokens are encrypted with keys from the environment.

`NEWSROOM_ENCRYPTION_KEYS` holds one or more Fernet keys, newest first, comma-separated. New values are
encrypted with the first; every listed key can decrypt, so rotation is: put a new key first, run
`manage.py rotate_secrets` (re-encrypts every stored secret with it), then drop the old key. Without the
variable (development) a key is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _


def _keys() -> list[bytes]:
    configured = [key.strip() for key in getattr(settings, "NEWSROOM_ENCRYPTION_KEYS", []) if key.strip()]
    if configured:
        return [key.encode() for key in configured]
    digest = hashlib.sha256(b"newsroom-secrets:" + settings.SECRET_KEY.encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def cipher() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except ValueError as error:
        raise ImproperlyConfigured(
            "NEWSROOM_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes)."
        ) from error


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted: its key is no longer in NEWSROOM_ENCRYPTION_KEYS."
        ) from error


def rotate(token: str) -> str:
    return cipher().rotate(token.encode()).decode()


def mask(value: str) -> str:
    """What the admin shows of a secret: never the whole, only enough to tell two apart."""
    if not value:
        return ""
    return "•" * 8 + value[-4:] if len(value) > 12 else "•" * 8


class EncryptedJSONField(models.TextField):
    """A dict of secrets stored as one Fernet token; the Python value is the decrypted dict."""

    description = _("Encrypted JSON")

    def from_db_value(self, value, expression, connection):
        if not value:
            return {}
        return json.loads(decrypt(value))

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        if not value:
            return {}
        try:
            return json.loads(decrypt(value))
        except ImproperlyConfigured:
            raise
        except ValueError:
            return json.loads(value)

    def get_prep_value(self, value):
        if not value:
            return ""
        return encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True))
