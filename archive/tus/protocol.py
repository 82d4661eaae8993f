"""The words of tus 1.0.0 (https://tus.io/protocols/resumable-upload): headers in, headers out, refusals.

Nothing here touches the database or the bytes; services.py and views.py speak the protocol through it.
"""

import base64
import binascii
import hashlib
import re

from django.utils.translation import gettext as _

TUS_VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "termination", "checksum", "expiration")
CHECKSUMS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}
PATCH_CONTENT_TYPE = "application/offset+octet-stream"
# Upload-Metadata keys: any ASCII but spaces and commas (the separators); values are base64.
_METADATA_KEY = re.compile(r"^[\x21-\x2b\x2d-\x7e]+$")
_DIGITS = re.compile(r"^[0-9]{1,19}$")

# Status codes tus adds to HTTP's, with the reason phrase Django cannot know.
CHECKSUM_MISMATCH = 460
REASONS = {CHECKSUM_MISMATCH: "Checksum Mismatch"}


class TusError(Exception):
    """A refusal: the HTTP status, a translated message for the uploader and any headers tus requires."""

    def __init__(self, status: int, message: str, *, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, str(message), headers or {}


def check_version(headers) -> None:
    """Raises TusError 412 (with Tus-Version) unless the request speaks tus 1.0.0."""
    if headers.get("Tus-Resumable") != TUS_VERSION:
        raise TusError(
            412,
            _("This server speaks tus %(version)s; send the header Tus-Resumable: %(version)s.")
            % {"version": TUS_VERSION},
            headers={"Tus-Version": TUS_VERSION},
        )


def parse_length(headers) -> int:
    """Upload-Length as a number of bytes; raises TusError 400 when missing, deferred or not a number."""
    if "Upload-Defer-Length" in headers:
        raise TusError(400, _("Send the file’s size in Upload-Length; a deferred length is not supported."))
    return _number(headers.get("Upload-Length"), "Upload-Length")


def parse_offset(headers) -> int:
    return _number(headers.get("Upload-Offset"), "Upload-Offset")


def _number(value, name: str) -> int:
    if value is None or not _DIGITS.match(value.strip()):
        raise TusError(400, _("The header %(name)s is missing or not a number of bytes.") % {"name": name})
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    """Upload-Metadata ("key base64,key base64,key") as text; raises TusError 400 when malformed."""
    metadata: dict[str, str] = {}
    for pair in (value or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _space, encoded = pair.partition(" ")
        encoded = encoded.strip()
        if not _METADATA_KEY.match(key) or key in metadata or " " in encoded:
            raise TusError(400, _("The header Upload-Metadata is malformed."))
        try:
            metadata[key] = base64.b64decode(encoded, validate=True).decode("utf-8") if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(400, _("The header Upload-Metadata is malformed.")) from None
    return metadata


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode('ascii')}" if value else key
        for key, value in metadata.items()
    )


def parse_checksum(value: str | None):
    """Upload-Checksum ("sha1 <base64 digest>") as (a fresh hash object, the expected digest), or None.

    Raises TusError 400 for an algorithm this server does not offer or a malformed header.
    """
    if value is None:
        return None
    algorithm, _space, encoded = value.strip().partition(" ")
    if algorithm.lower() not in CHECKSUMS:
        raise TusError(
            400,
            _("The checksum algorithm “%(algorithm)s” is not supported; use one of %(supported)s.")
            % {"algorithm": algorithm, "supported": ", ".join(CHECKSUMS)},
        )
    try:
        expected = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        expected = b""
    digest = CHECKSUMS[algorithm.lower()]()
    if len(expected) != digest.digest_size:
        raise TusError(400, _("The header Upload-Checksum is malformed."))
    return digest, expected


def options_headers(max_size: int) -> dict[str, str]:
    """What an OPTIONS request learns about this server."""
    return {
        "Tus-Resumable": TUS_VERSION,
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": ",".join(EXTENSIONS),
        "Tus-Max-Size": str(max_size),
        "Tus-Checksum-Algorithm": ",".join(CHECKSUMS),
    }
