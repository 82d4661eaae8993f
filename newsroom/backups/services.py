"""Taking, pruning and restoring backups: what `manage.py backup` and `manage.py restore` run.

A backup is the database dump plus every media file, and a manifest with the SHA-256 of each, written last.
Its BackupRecord is written before the dump (so the dump holds it, still "running"); restore brings the
records written after the dump back and marks the restored backup's own record from its manifest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
from dataclasses import dataclass
from datetime import timedelta

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Site

from newsroom import audit, page_cache
from newsroom.models import BackupRecord, BackupState

from . import database, media, selectors
from .destinations import MANIFEST, STARTED, Destination, FolderDestination, object_key, open_destination
from .errors import BackupError, BackupNotFound, CorruptBackup, DatabaseNotEmpty
from .manifest import Manifest

logger = logging.getLogger(__name__)
# What a destination or the media storage raise when they cannot be read or written.
IO_ERRORS = (OSError, BotoCoreError, ClientError)
# A backup folder without a manifest for this long is a run that crashed, not one under way.
STALE_AFTER = timedelta(days=1)
# Damaged files a refusal names; the log has the whole list.
NAMED_DAMAGE = 5


def destination_of(url: str | None = None) -> Destination:
    """The destination at `url`, else BACKUP_DESTINATION; raises BackupError for a bad address."""
    return open_destination(url or settings.BACKUP_DESTINATION)


def backups_in(url: str | None = None) -> selectors.Catalogue:
    """The backups at `url` (default BACKUP_DESTINATION); raises BackupError when it cannot be read."""
    target = destination_of(url)
    try:
        return selectors.catalogue(target)
    except IO_ERRORS as error:
        raise BackupError(
            _("The backups in %(destination)s cannot be read: %(reason)s")
            % {"destination": target.url, "reason": error}
        ) from error


# --- backup ------------------------------------------------------------------------------------------------
def take_backup(*, destination: str | None = None, keep: int | None = None) -> BackupRecord:
    """Back up the database and the media to `destination` (default BACKUP_DESTINATION), then keep only the
    newest `keep` backups there (default BACKUP_KEEP; 0 keeps every one).

    Returns the BackupRecord, succeeded. Raises BackupError, after marking the record failed with the reason
    and removing the unfinished backup."""
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 0:
        raise BackupError(_("The number of backups to keep cannot be negative."))
    _outside_transactions()
    target = destination_of(destination)
    started = timezone.now()
    record = BackupRecord.objects.create(
        started_at=started, destination=target.url, name=_name_at(started), host=socket.gethostname()
    )
    try:
        manifest, raw = _write(target, record)
    except Exception as error:
        _failed(target, record, error)
        if isinstance(error, IO_ERRORS):
            raise BackupError(_("The backup could not be taken: %(reason)s") % {"reason": error}) from error
        raise
    record.state = BackupState.SUCCEEDED
    record.finished_at = manifest.finished_at
    record.database_bytes = manifest.database_size
    record.media_files = len(manifest.media)
    record.media_bytes = manifest.media_bytes
    record.manifest_sha256 = hashlib.sha256(raw).hexdigest()
    record.save()
    audit.record(
        "backup.created",
        obj=record,
        data={
            "name": record.name,
            "destination": record.destination,
            "database_bytes": record.database_bytes,
            "media_files": record.media_files,
            "media_bytes": record.media_bytes,
            "copied_files": manifest.copied_files,
            "copied_bytes": manifest.copied_bytes,
        },
    )
    if keep:
        try:
            prune(target, keep=keep)
        except IO_ERRORS as error:
            raise BackupError(
                _("The backup %(name)s was taken, but older backups could not be removed: %(reason)s")
                % {"name": record.name, "reason": error}
            ) from error
    return record


def _outside_transactions() -> None:
    # Inside a transaction the dump could not see what it holds, SQLite's backup API would wait for ever on
    # its own lock, and a restore would be rolled back with it.
    if connection.in_atomic_block:
        raise BackupError(_("Backups are taken and restored outside any database transaction."))


def _name_at(moment) -> str:
    return timezone.localtime(moment).strftime("%Y%m%d-%H%M%S")


def _write(target: Destination, record: BackupRecord) -> tuple[Manifest, bytes]:
    engine = database.engine()
    if isinstance(target, FolderDestination) and media.inside_media(target.root):
        raise BackupError(
            _("The backup destination %(destination)s is inside the media folder it would back up.")
            % {"destination": target.url}
        )
    previous = next(iter(selectors.catalogue(target).complete), None)
    record.name = _reserve(target, record)
    record.database_engine = engine
    record.save(update_fields=["name", "database_engine"])
    migrations = database.applied_migrations()
    dump_file = database.DUMP_FILES[engine]
    logger.info("Backup %s to %s: dumping the database", record.name, target.url)
    with target.writable_path(f"{record.name}/{dump_file}") as path:
        tool_version = database.dump(path)
        dump_size, dump_sha256 = path.stat().st_size, media.sha256_of(path.open("rb"))
    logger.info("Backup %s: database dumped (%d bytes); copying the media files", record.name, dump_size)
    copy = media.back_up(target, previous=previous)
    logger.info(
        "Backup %s: %d media files, %d of them (%d bytes) new to the destination",
        record.name, len(copy.entries), copy.copied_files, copy.copied_bytes,
    )  # fmt: skip
    manifest = Manifest(
        name=record.name,
        started_at=record.started_at,
        finished_at=timezone.now(),
        host=record.host,
        record_id=record.pk,
        database_engine=engine,
        database_file=dump_file,
        database_size=dump_size,
        database_sha256=dump_sha256,
        database_tool_version=tool_version,
        migrations=migrations,
        media=copy.entries,
        copied_files=copy.copied_files,
        copied_bytes=copy.copied_bytes,
    )
    raw = manifest.to_json()
    target.write_bytes(f"{record.name}/{MANIFEST}", raw)
    return manifest, raw


def _reserve(target: Destination, record: BackupRecord) -> str:
    """A name no backup in `target` has yet (two backups in one second get -2, -3…), claimed at once."""
    taken = set(target.folders())
    name, number = record.name, 2
    while name in taken:
        name, number = f"{record.name}-{number}", number + 1
    marker = {"started_at": record.started_at.isoformat(), "host": record.host, "record_id": record.pk}
    target.write_bytes(f"{name}/{STARTED}", json.dumps(marker).encode())
    return name


def _failed(target: Destination, record: BackupRecord, error: Exception) -> None:
    logger.error("Backup %s to %s failed: %s", record.name, target.url, error)
    try:
        if target.exists(f"{record.name}/{STARTED}") and not target.exists(f"{record.name}/{MANIFEST}"):
            target.delete_folder(record.name)
    except IO_ERRORS:
        logger.exception("The unfinished backup %s could not be removed", record.name)
    record.state = BackupState.FAILED
    record.finished_at = timezone.now()
    record.error = str(error)
    record.save()


def prune(target: Destination, *, keep: int) -> list[str]:
    """Remove all but the newest `keep` complete backups of `target`, runs that crashed long ago, and the
    media files no kept backup lists. Returns the names of the backups removed.

    While another backup is under way, or a manifest is damaged, no media file is removed: the files
    they need cannot be told."""
    found = selectors.catalogue(target)
    now = timezone.now()
    crashed = [name for name, started in found.incomplete if started is None or now - started > STALE_AFTER]
    removed = [manifest.name for manifest in found.complete[keep:]]
    for name in removed + crashed:
        target.delete_folder(name)
    if len(found.incomplete) > len(crashed) or found.damaged:
        logger.warning(
            "Media files of removed backups in %s are kept: a backup is under way or a manifest is damaged.",
            target.url,
        )
        return removed
    listed = {entry.sha256 for manifest in found.complete[:keep] for entry in manifest.media}
    target.delete(object_key(sha256) for sha256 in sorted(target.object_names() - listed))
    return removed


# --- restore -----------------------------------------------------------------------------------------------
@dataclass
class Restored:
    record: BackupRecord
    manifest: Manifest
    files_written: int
    files_unchanged: int
    migrations_pending: bool


def restore_backup(*, name: str, source: str | None = None, replace: bool = False) -> Restored:
    """Restore the backup `name` from `source` (default BACKUP_DESTINATION): the database, then the media.

    Every checksum is checked before anything is touched. Raises BackupNotFound, CorruptBackup,
    DatabaseNotEmpty (the database holds data and `replace` is false) or BackupError."""
    _outside_transactions()
    target = destination_of(source)
    try:
        return _restore(target, name, replace=replace)
    except IO_ERRORS as error:
        raise BackupError(_("The restore failed: %(reason)s") % {"reason": error}) from error


def _restore(target: Destination, name: str, *, replace: bool) -> Restored:
    try:
        raw = target.read_bytes(f"{name}/{MANIFEST}")
    except FileNotFoundError as error:
        names = ", ".join(selectors.catalogue(target).names) or _("none")
        raise BackupNotFound(
            _("There is no complete backup %(name)s in %(destination)s. Backups there: %(names)s.")
            % {"name": name, "destination": target.url, "names": names}
        ) from error
    manifest = Manifest.from_json(raw, name=name)
    _check_compatible(manifest)
    held = database.holds_data()
    if held and not replace:
        counts = ", ".join(f"{label}: {count}" for label, count in held.items())
        raise DatabaseNotEmpty(
            _(
                "The database already holds data (%(counts)s). Restoring replaces all of it; run the "
                "restore again with --yes to go ahead."
            )
            % {"counts": counts}
        )
    dump_key = f"{name}/{manifest.database_file}"
    if not target.exists(dump_key):
        _refuse_damage(manifest, [manifest.database_file])
    with target.readable_path(dump_key) as dump:
        intact = dump.stat().st_size == manifest.database_size
        intact = intact and media.sha256_of(dump.open("rb")) == manifest.database_sha256
        damaged = [] if intact else [manifest.database_file]
        _refuse_damage(manifest, damaged + media.damaged(target, manifest.media))
        later = _records_after(manifest)
        logger.info("Restore of %s: every checksum matches; restoring the database", name)
        database.restore(dump, dump_version=manifest.database_tool_version)
    _forget_caches()
    logger.info("Restore of %s: database restored; restoring %d media files", name, len(manifest.media))
    try:
        written, unchanged = media.restore(target, manifest.media)
    except IO_ERRORS as error:
        raise BackupError(
            _(
                "The database of %(name)s was restored, but not all its media files could be written: "
                "%(reason)s. Run the restore again with --yes to finish it."
            )
            % {"name": name, "reason": error}
        ) from error
    record = _write_back_records(manifest, later, target=target, raw=raw)
    audit.record(
        "backup.restored",
        obj=record,
        data={"name": name, "source": target.url, "files_written": written, "files_unchanged": unchanged},
    )
    return Restored(record, manifest, written, unchanged, database.migrations_pending())


def _check_compatible(manifest: Manifest) -> None:
    engine = database.engine()
    if manifest.database_engine != engine:
        raise BackupError(
            _("The backup %(name)s holds a %(backup)s database; this deployment runs %(engine)s.")
            % {
                "name": manifest.name,
                "backup": database.ENGINE_NAMES.get(manifest.database_engine, manifest.database_engine),
                "engine": database.ENGINE_NAMES[engine],
            }
        )
    unknown = database.unknown_migrations(manifest.migrations)
    if unknown:
        raise BackupError(
            _(
                "The backup %(name)s was made by a newer version of the newsroom: this code lacks its "
                "migrations %(migrations)s. Restore it with that version."
            )
            % {"name": manifest.name, "migrations": ", ".join(f"{app}.{step}" for app, step in unknown[:5])}
        )
    if engine == "postgresql":
        database.pg_restore_tool(manifest.database_tool_version)


def _refuse_damage(manifest: Manifest, damaged: list[str]) -> None:
    if not damaged:
        return
    logger.error("Backup %s is damaged: %s", manifest.name, ", ".join(damaged))
    shown = ", ".join(damaged[:NAMED_DAMAGE]) + (" …" if len(damaged) > NAMED_DAMAGE else "")
    problem = ngettext(
        "%(count)d file is missing or does not match its checksum: %(files)s",
        "%(count)d files are missing or do not match their checksums: %(files)s",
        len(damaged),
    ) % {"count": len(damaged), "files": shown}
    raise CorruptBackup(
        _("The backup %(name)s is damaged and was not restored; nothing was changed. %(problem)s")
        % {"name": manifest.name, "problem": problem}
    )


def _records_after(manifest: Manifest) -> list[BackupRecord]:
    """The backup records the dump cannot hold: those of the runs after it, from the database now."""
    if BackupRecord._meta.db_table not in connection.introspection.table_names():
        return []
    return list(BackupRecord.objects.filter(started_at__gt=manifest.started_at).order_by("started_at"))


def _write_back_records(
    manifest: Manifest, later: list[BackupRecord], *, target: Destination, raw: bytes
) -> BackupRecord:
    fields = [f.name for f in BackupRecord._meta.concrete_fields if not f.primary_key]
    for record in later:
        BackupRecord.objects.update_or_create(
            name=record.name,
            destination=record.destination,
            started_at=record.started_at,
            defaults={field: getattr(record, field) for field in fields},
        )
    # The dump holds this backup's own record as it was then: running.
    own = BackupRecord.objects.filter(pk=manifest.record_id, name=manifest.name).first() or BackupRecord(
        name=manifest.name, destination=target.url, started_at=manifest.started_at, host=manifest.host
    )
    own.state = BackupState.SUCCEEDED
    own.finished_at = manifest.finished_at
    own.database_engine = manifest.database_engine
    own.database_bytes = manifest.database_size
    own.media_files = len(manifest.media)
    own.media_bytes = manifest.media_bytes
    own.manifest_sha256 = hashlib.sha256(raw).hexdigest()
    own.error = ""
    own.save()
    return own


def _forget_caches() -> None:
    # What the shared caches hold of the database as it was: the sites' root paths, public pages. (Web
    # servers and workers keep content types and the like in memory: they are restarted after a restore.)
    Site.clear_site_root_paths_cache()
    page_cache.invalidate()
