"""The archive's direct line to the S3 bucket behind the default storage.

django-storages writes and reads whole files; a browser uploading a multi-gigabyte video needs more:
a multipart upload it fills itself through presigned URLs, so the bytes never pass through Django.
Everything here reads the bucket, endpoint and keys from STORAGES["default"]["OPTIONS"], the very
options the default storage was built from, so both always talk to the same bucket (and tests that
override STORAGES move both at once).

Names handed in and out are storage names, as `default_storage` and the models' FileFields know
them; `object_key` adds the storage's `location` prefix where the bucket needs the full key.
"""

import functools
import posixpath
import re
import shutil
import tempfile
import unicodedata
import uuid
from pathlib import Path, PurePosixPath

import boto3
from botocore.config import Config
from django.conf import settings
from django.core.files.storage import default_storage

# The archive's FileFields keep Django's default max_length: a longer name would not fit the column.
MAX_NAME_LENGTH = 100
UPLOAD_PREFIX = "archive/uploads"
_COPY_CHUNK = 1 << 20


def s3_enabled() -> bool:
    """Whether uploads may go straight to S3: only when the deployment configured a bucket."""
    return bool(getattr(settings, "S3_BUCKET", ""))


def _options() -> dict:
    return settings.STORAGES["default"].get("OPTIONS", {}) or {}


def bucket_name() -> str:
    return _options().get("bucket_name") or settings.S3_BUCKET


def location() -> str:
    """The storage's key prefix, as django-storages reads it (the option, else AWS_LOCATION)."""
    options = _options()
    value = options["location"] if "location" in options else getattr(settings, "AWS_LOCATION", "")
    return (value or "").strip("/")


def object_key(name: str) -> str:
    """The bucket key of a storage name: the storage's `location` in front, as S3Storage does."""
    name = name.lstrip("/")
    prefix = location()
    return f"{prefix}/{name}" if prefix else name


def client():
    """A boto3 S3 client for the configured bucket (cached: building one costs tens of milliseconds)."""
    options = _options()
    return build_client(
        endpoint_url=options.get("endpoint_url") or None,
        access_key=options.get("access_key") or None,
        secret_key=options.get("secret_key") or None,
        security_token=options.get("security_token") or None,
        region_name=options.get("region_name") or None,
        signature_version=options.get("signature_version") or "s3v4",
        addressing_style=options.get("addressing_style") or None,
        verify=options.get("verify"),
    )


@functools.lru_cache(maxsize=8)
def build_client(
    *,
    endpoint_url,
    access_key,
    secret_key,
    security_token,
    region_name,
    signature_version,
    addressing_style,
    verify,
):
    config = Config(
        signature_version=signature_version,
        s3={"addressing_style": addressing_style} if addressing_style else {},
        retries={"max_attempts": 5, "mode": "standard"},
    )
    # A separate session: boto3's default session is shared module state and not safe across threads.
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=security_token,
        region_name=region_name,
        config=config,
        verify=verify,
    )


def create_multipart(name: str, content_type: str) -> str:
    """Open a multipart upload for the storage name; returns S3's upload id."""
    params = {"Bucket": bucket_name(), "Key": object_key(name)}
    if content_type:
        params["ContentType"] = content_type
    return client().create_multipart_upload(**params)["UploadId"]


def presign_part(name: str, upload_id: str, part_number: int, expires: int = 3600) -> str:
    """A URL the browser PUTs one part to, valid for `expires` seconds and for that part only."""
    return client().generate_presigned_url(
        "upload_part",
        Params={
            "Bucket": bucket_name(),
            "Key": object_key(name),
            "UploadId": upload_id,
            "PartNumber": int(part_number),
        },
        ExpiresIn=expires,
        HttpMethod="PUT",
    )


def complete_multipart(name: str, upload_id: str, parts: list[dict]) -> dict:
    """Join the uploaded parts into one object; `parts` are {"PartNumber", "ETag"} in ascending order."""
    return client().complete_multipart_upload(
        Bucket=bucket_name(),
        Key=object_key(name),
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": int(p["PartNumber"]), "ETag": p["ETag"]} for p in parts]},
    )


def list_parts(name: str, upload_id: str) -> list[dict]:
    """The parts S3 holds for an unfinished upload ({"PartNumber", "Size", "ETag"}), every page of them."""
    pages = (
        client()
        .get_paginator("list_parts")
        .paginate(Bucket=bucket_name(), Key=object_key(name), UploadId=upload_id)
    )
    return [
        {"PartNumber": part["PartNumber"], "Size": part["Size"], "ETag": part["ETag"]}
        for page in pages
        for part in page.get("Parts", [])
    ]


def abort_multipart(name: str, upload_id: str) -> None:
    """Drop an unfinished upload, so its parts stop costing storage."""
    client().abort_multipart_upload(Bucket=bucket_name(), Key=object_key(name), UploadId=upload_id)


def object_size(name: str) -> int:
    """The stored object's size, as S3 reports it (what was really uploaded, not what was announced)."""
    return client().head_object(Bucket=bucket_name(), Key=object_key(name))["ContentLength"]


def delete_object(name: str) -> None:
    """Remove an object; S3 answers success for a missing one too, so this is safe to repeat."""
    client().delete_object(Bucket=bucket_name(), Key=object_key(name))


def safe_filename(filename: str, max_length: int = MAX_NAME_LENGTH) -> str:
    """An ASCII name that passes every URL and shell untouched: "Ảnh đẹp.JPG" → "anh-dep.jpg"."""
    path = PurePosixPath((filename or "").replace("\\", "/").split("/")[-1])
    stem, extension = _ascii(path.stem), _ascii(path.suffix.lstrip(".")).replace("-", "")[:10]
    stem = stem or "file"
    if extension:
        stem = stem[: max(1, max_length - len(extension) - 1)].rstrip("-._") or "f"
        return f"{stem}.{extension}"
    return stem[:max_length].rstrip("-._") or "file"


def _ascii(text: str) -> str:
    # "đ" has no decomposition in Unicode, so NFKD alone would drop it instead of writing "d".
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9._-]+", "-", text)
    return re.sub(r"-{2,}", "-", text).strip("-._")


def upload_key(agency, filename: str) -> str:
    """A fresh storage name for one upload: the agency's folder, a random folder, a safe file name.

    The random folder keeps two uploads of "anh.jpg" apart without asking S3 what exists (the
    storage's file_overwrite=False would, but a presigned upload never goes through the storage).
    The whole name fits the archive's FileField (100 characters); the storage's `location` is added
    to the bucket key by `object_key` and does not count.
    """
    folder = f"{UPLOAD_PREFIX}/{agency.short_name}/{uuid.uuid4().hex}/"
    return folder + safe_filename(filename, max_length=max(MAX_NAME_LENGTH - len(folder), 6))


def download_to_temp(storage_name: str) -> Path:
    """Copy a stored object to a local temporary file, for tools that need a path (FFmpeg, Pillow).

    Streams in 1 MB chunks so a large video never sits in memory. The caller deletes the file.
    """
    suffix = posixpath.splitext(storage_name)[1]
    with default_storage.open(storage_name, "rb") as source:
        out = tempfile.NamedTemporaryFile(prefix="archive-", suffix=suffix, delete=False)
        try:
            with out:
                shutil.copyfileobj(source, out, _COPY_CHUNK)
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    return Path(out.name)
