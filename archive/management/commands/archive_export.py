"""`manage.py archive_export`: copy an agency's archive out, every original and a manifest of every field.

    manage.py archive_export DEST --agency SHORT_NAME [--kind image|video|audio] [--include-renditions]

Each asset's original goes to DEST/<kind>/<id>-<name>, read through the storage API so the same command
works on local disk and on S3, and each written file's SHA-256 is checked against the one recorded at
ingest: an export is only worth keeping if it is known to be intact. DEST/manifest.json (for programs and
for archive_import) and DEST/manifest.csv (for a spreadsheet) hold every archive field. With
--include-renditions the renditions the ingest made go to DEST/<kind>/renditions/<id>/ as well.

`manage.py archive_import DEST --agency OTHER` takes an export back in, titles, fields and keywords included.
"""

import csv
import getpass
import hashlib
import json
import os
import shutil
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from archive.models import ArchiveImage, ArchiveMedia
from newsroom.audit import record
from newsroom.models import Agency

from .archive_import import MANIFEST_CSV, MANIFEST_FORMAT, MANIFEST_JSON, Progress, find_agency

KINDS = ("image", "video", "audio")
COPY_CHUNK = 1 << 20
# The manifest's fields, in the order of the CSV's columns.
COLUMNS = (
    *("id", "kind", "title", "caption", "credit", "copyright_holder", "licence", "usage_terms"),
    *("expires_at", "captured_at", "location", "latitude", "longitude", "keywords", "agency", "sharing"),
    *("sha256", "size", "mime_type", "duration", "width", "height", "codecs", "bitrate", "state"),
    *("file", "renditions"),
)
LIST_SEPARATOR = "; "


class Command(BaseCommand):
    help = _(
        "Export an agency's archive: every original file, checked against its SHA-256, and a manifest "
        "(JSON and CSV) of every archive field. archive_import can take the export back in."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", help=_("The folder to write to; created if missing."))
        parser.add_argument(
            "--agency", required=True, help=_("Short name of the agency whose archive to export.")
        )
        parser.add_argument("--kind", choices=KINDS, help=_("Only this kind of asset (default: all)."))
        parser.add_argument(
            "--include-renditions",
            action="store_true",
            help=_("Also write the renditions the ingest made (web sizes, MP4, HLS, normalised audio)."),
        )

    def handle(self, *args, **options):
        agency = find_agency(options["agency"])
        dest = Path(options["dest"]).expanduser()
        if dest.exists() and not dest.is_dir():
            raise CommandError(_("%(path)s is a file, not a folder.") % {"path": dest})
        dest.mkdir(parents=True, exist_ok=True)
        assets = assets_of(agency, options["kind"], renditions=options["include_renditions"])
        export = Export(dest=dest, agency=agency, include_renditions=options["include_renditions"])
        progress = Progress(self.stderr, len(assets))
        try:
            for asset in assets:
                export.add(asset)
                progress.step()
        finally:
            progress.finish()
        export.write_manifests()
        record(
            "export.downloaded",
            agency=agency,
            data={
                "export": "archive",
                "format": "files",
                "kind": options["kind"] or "",
                "assets": export.written,
                "renditions": bool(options["include_renditions"]),
                "destination": str(dest.resolve()),
                # No account runs a command: the audit log names the system account and machine instead.
                "run_by": f"{getpass.getuser()}@{socket.gethostname()}",
            },
        )
        self.report(export)

    def report(self, export: "Export") -> None:
        self.stdout.write(
            self.style.SUCCESS(
                _("Exported %(count)d assets (%(size)s) to %(dest)s, with manifest.json and manifest.csv.")
                % {"count": export.written, "size": filesizeformat(export.bytes), "dest": export.dest}
            )
        )
        if export.unverified:
            self.stdout.write(
                _("%(count)d files had no SHA-256 recorded, so they could not be checked.")
                % {"count": export.unverified}
            )
        for problem in export.problems:
            self.stderr.write(problem)
        if export.problems:
            raise CommandError(
                _("%(count)d files could not be exported intact; see above.")
                % {"count": len(export.problems)}
            )


def assets_of(agency: Agency, kind: str | None, *, renditions: bool) -> list:
    """The agency's assets, oldest first; those uploaded with no agency set count by their collection."""
    owned = Q(agency=agency) | Q(agency__isnull=True, collection=agency.collection)
    assets = []
    if kind in (None, "image"):
        images = ArchiveImage.objects.filter(owned).select_related("agency").prefetch_related("tags")
        assets += images.prefetch_related("renditions") if renditions else images
    if kind != "image":
        media = ArchiveMedia.objects.filter(owned).select_related("agency").prefetch_related("tags")
        assets += media.filter(type=kind) if kind else media
    return sorted(assets, key=lambda asset: (KINDS.index(asset.kind), asset.pk))


@dataclass
class Export:
    """The files written so far, the manifest entries, and what went wrong (kept to report at the end)."""

    dest: Path
    agency: Agency
    include_renditions: bool
    entries: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    written: int = 0
    bytes: int = 0
    unverified: int = 0

    def add(self, asset) -> None:
        relative = f"{asset.kind}/{asset.pk}-{safe_name(asset.file.name)}"
        try:
            digest = copy_from_storage(asset.file.storage, asset.file.name, self.dest / relative)
        except Exception as error:  # a lost original must not stop the export of the others
            self.problems.append(
                _("%(kind)s no. %(id)s “%(title)s”: the original could not be read: %(error)s")
                % {"kind": asset.kind, "id": asset.pk, "title": asset.title, "error": error}
            )
            relative = None
        else:
            self.check(asset, relative, digest)
        renditions = self.copy_renditions(asset) if self.include_renditions else []
        self.entries.append(describe(asset, agency=self.agency, file=relative, renditions=renditions))

    def check(self, asset, relative: str, digest: str) -> None:
        self.written += 1
        self.bytes += (self.dest / relative).stat().st_size
        if not asset.sha256:
            self.unverified += 1
        elif digest != asset.sha256:
            self.problems.append(
                _(
                    "%(file)s: SHA-256 mismatch: the archive recorded %(expected)s, "
                    "the written file has %(found)s."
                )
                % {"file": relative, "expected": asset.sha256, "found": digest}
            )

    def copy_renditions(self, asset) -> list[str]:
        folder = f"{asset.kind}/renditions/{asset.pk}"
        copied = []
        for storage, name, relative in rendition_files(asset):
            target = f"{folder}/{relative}"
            try:
                copy_from_storage(storage, name, self.dest / target)
            except Exception as error:
                self.problems.append(
                    _("%(file)s: the rendition could not be read: %(error)s")
                    % {"file": target, "error": error}
                )
            else:
                copied.append(target)
        return copied

    def write_manifests(self) -> None:
        manifest = {
            "format": MANIFEST_FORMAT,
            "version": 1,
            "agency": self.agency.short_name,
            "exported_at": timezone.now().isoformat(),
            "assets": self.entries,
        }
        with atomic_write(self.dest / MANIFEST_JSON, encoding="utf-8") as out:
            json.dump(manifest, out, ensure_ascii=False, indent=2)
        # utf-8-sig: spreadsheet programs then read Vietnamese text as UTF-8 instead of guessing.
        with atomic_write(self.dest / MANIFEST_CSV, encoding="utf-8-sig", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(csv_row(entry) for entry in self.entries)


def describe(asset, *, agency: Agency, file: str | None, renditions: list[str]) -> dict:
    """Every archive field of an asset, as JSON values (dates in ISO 8601, keywords sorted)."""
    return {
        "id": asset.pk,
        "kind": asset.kind,
        "title": asset.title,
        "caption": asset.caption,
        "credit": asset.credit,
        "copyright_holder": asset.copyright_holder,
        "licence": asset.licence,
        "usage_terms": asset.usage_terms,
        "expires_at": iso(asset.expires_at),
        "captured_at": iso(asset.captured_at),
        "location": asset.location,
        "latitude": asset.latitude,
        "longitude": asset.longitude,
        "keywords": sorted(tag.name for tag in asset.tags.all()),
        "agency": asset.agency.short_name if asset.agency else agency.short_name,
        "sharing": asset.sharing,
        "sha256": asset.sha256,
        "size": asset.size,
        "mime_type": asset.mime_type,
        "duration": getattr(asset, "duration", None),
        "width": asset.width,
        "height": asset.height,
        "codecs": asset.codecs,
        "bitrate": asset.bitrate,
        "state": asset.state,
        "file": file,
        "renditions": renditions,
    }


def csv_row(entry: dict) -> dict:
    def cell(value):
        if isinstance(value, list):
            return LIST_SEPARATOR.join(value)
        return "" if value is None else value

    return {column: cell(entry[column]) for column in COLUMNS}


def iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def safe_name(storage_name: str) -> str:
    return get_valid_filename(PurePosixPath(storage_name).name) or "file"


def rendition_files(asset):
    """(storage, stored name, path in the export) for each rendition file of an asset."""
    if isinstance(asset, ArchiveImage):
        for rendition in asset.renditions.all():
            yield rendition.file.storage, rendition.file.name, safe_name(rendition.file.name)
        return
    for field_file in (asset.thumbnail, asset.mp4, asset.audio_rendition):
        if field_file:
            yield field_file.storage, field_file.name, safe_name(field_file.name)
    if asset.hls_playlist:
        storage = asset.file.storage
        folder = str(PurePosixPath(asset.hls_playlist).parent)
        for name in stored_tree(storage, folder):
            yield storage, name, f"hls/{PurePosixPath(name).relative_to(folder)}"


def stored_tree(storage, folder: str) -> list[str]:
    """Every file under a folder of the storage (an HLS ladder), found with listdir so S3 works too."""
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = [f"{folder}/{name}" for name in sorted(files)]
    for sub in sorted(folders):
        names += stored_tree(storage, f"{folder}/{sub}")
    return names


def copy_from_storage(storage, name: str, target: Path) -> str:
    """Copy a stored file to local disk (via a .part file, so a failed copy leaves no half file) and
    return the SHA-256 of the file as written, read back from disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with storage.open(name, "rb") as source, open(partial, "wb") as out:
            shutil.copyfileobj(source, out, COPY_CHUNK)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    with open(target, "rb") as written:
        return hashlib.file_digest(written, "sha256").hexdigest()


@contextmanager
def atomic_write(path: Path, **kwargs):
    """open() for writing text that replaces the file only once it is complete."""
    partial = path.with_name(path.name + ".part")
    try:
        with open(partial, "w", **kwargs) as out:
            yield out
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
