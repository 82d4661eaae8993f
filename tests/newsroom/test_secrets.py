"""Secrets at rest: encrypted with keys from the environment, rotated without downtime."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from distribution.models import Channel
from newsroom.secrets import mask

pytestmark = pytest.mark.django_db
SECRET = "zalo-access-token-0123456789"


def stored(channel) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM distribution_channel WHERE id = %s", [channel.pk])
        return cursor.fetchone()[0]


def test_credentials_are_encrypted_at_rest_and_read_back(agency):
    channel = Channel.objects.create(
        agency=agency, kind="zalo", name="Zalo", credentials={"access_token": SECRET}
    )
    assert SECRET not in stored(channel)
    assert Channel.objects.get(pk=channel.pk).credentials == {"access_token": SECRET}


def test_masking_shows_only_the_last_characters():
    assert mask(SECRET) == "••••••••6789"
    assert mask("short") == "••••••••"
    assert mask("") == ""


def test_rotation_re_encrypts_with_the_new_key_and_the_old_one_can_go(agency, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.NEWSROOM_ENCRYPTION_KEYS = [old]
    channel = Channel.objects.create(
        agency=agency, kind="zalo", name="Zalo", credentials={"access_token": SECRET}
    )
    before = stored(channel)

    settings.NEWSROOM_ENCRYPTION_KEYS = [new, old]
    assert Channel.objects.get(pk=channel.pk).credentials["access_token"] == SECRET  # both keys read
    call_command("rotate_secrets", stdout=open("/dev/null", "w"))
    assert stored(channel) != before

    settings.NEWSROOM_ENCRYPTION_KEYS = [new]
    assert Channel.objects.get(pk=channel.pk).credentials["access_token"] == SECRET


def test_a_missing_key_is_a_clear_configuration_error(agency, settings):
    settings.NEWSROOM_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    channel = Channel.objects.create(
        agency=agency, kind="zalo", name="Zalo", credentials={"access_token": SECRET}
    )
    settings.NEWSROOM_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="no longer in NEWSROOM_ENCRYPTION_KEYS"):
        Channel.objects.get(pk=channel.pk)
