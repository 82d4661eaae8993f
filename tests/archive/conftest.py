"""A real S3 server for the archive's storage tests: moto's standalone server in its own process.

An in-process mock would patch boto3 itself, and so could not prove what matters here: that
django-storages, Wagtail's renditions and a browser's presigned PUTs all reach one S3 endpoint
over HTTP. The server starts once per test process (each xdist worker has its own); every test gets
a fresh bucket, so tests never see each other's objects.
"""

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ACCESS_KEY = SECRET_KEY = "testing"
REGION = "us-east-1"
STARTUP_SECONDS = 30
# What a browser needs to PUT parts cross-origin and read each part's ETag: S3 only lets
# JavaScript see response headers the bucket's CORS rules expose, and moto follows those rules.
BROWSER_CORS = {
    "CORSRules": [
        {
            "AllowedOrigins": ["*"],
            "AllowedMethods": ["GET", "HEAD", "PUT", "POST"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3600,
        }
    ]
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of a moto S3 server started for this test session, stopped at its end."""
    executable = Path(sys.executable).with_name("moto_server")
    port = _free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(executable), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(f"{url}/moto-api/"):
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"moto_server did not start on {url}:\n{log.read().decode(errors='replace')}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@dataclass
class S3Bucket:
    """The test's bucket, and a boto3 client that looks at it from outside Django."""

    endpoint_url: str
    bucket: str
    client: object

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def multipart_uploads(self) -> list[dict]:
        return self.client.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])


def s3_client(endpoint_url: str):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(signature_version="s3v4"),
    )


def _empty_and_delete(bucket: S3Bucket) -> None:
    """moto keeps objects in memory for the whole session: give the 17 MB uploads back."""
    for upload in bucket.multipart_uploads():
        bucket.client.abort_multipart_upload(
            Bucket=bucket.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
        )
    for key in bucket.keys():
        bucket.client.delete_object(Bucket=bucket.bucket, Key=key)
    bucket.client.delete_bucket(Bucket=bucket.bucket)


@pytest.fixture
def s3_storage(s3_server, settings):
    """A fresh bucket on the moto server, made the default storage with S3 switched on.

    pytest-django's `settings` sends setting_changed, on which Django rebuilds `storages` and
    empties the `default_storage` LazyObject, so FileFields (which hold that LazyObject) write to
    the bucket; the settings and storages come back when the test ends.
    """
    from django.core.files.storage import default_storage
    from storages.backends.s3 import S3Storage

    bucket = S3Bucket(s3_server, f"archive-test-{uuid.uuid4().hex[:16]}", s3_client(s3_server))
    bucket.client.create_bucket(Bucket=bucket.bucket)
    bucket.client.put_bucket_cors(Bucket=bucket.bucket, CORSConfiguration=BROWSER_CORS)
    options = {
        "bucket_name": bucket.bucket,
        "endpoint_url": s3_server,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region_name": REGION,
        "file_overwrite": False,
        "querystring_auth": True,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    settings.S3_BUCKET = bucket.bucket
    settings.S3_ENDPOINT_URL = s3_server
    settings.S3_ACCESS_KEY_ID = ACCESS_KEY
    settings.S3_SECRET_ACCESS_KEY = SECRET_KEY
    settings.S3_REGION = REGION
    settings.S3_CUSTOM_DOMAIN = ""
    settings.S3_QUERYSTRING_AUTH = True
    # Fail here, not in a confusing assertion later, if the override did not reach default_storage.
    assert default_storage.bucket_name == bucket.bucket
    assert isinstance(default_storage._wrapped, S3Storage)
    yield bucket
    _empty_and_delete(bucket)
