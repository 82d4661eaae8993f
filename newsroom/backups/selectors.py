"""Reading what backups exist: the records in the database, and the backups a destination holds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from newsroom.models import BackupRecord, BackupState

from .destinations import MANIFEST, OBJECTS, STARTED, Destination
from .errors import CorruptBackup
from .manifest import Manifest


def latest_successful() -> BackupRecord | None:
    """The most recent backup that finished, or None when no backup ever succeeded."""
    return BackupRecord.objects.filter(state=BackupState.SUCCEEDED).order_by("-finished_at").first()


@dataclass
class Catalogue:
    """What the destination at `url` holds: complete backups newest first, the names of those whose
    manifest is damaged, and the runs without a manifest (under way, or crashed) with when they started."""

    url: str
    complete: list[Manifest] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    incomplete: list[tuple[str, datetime | None]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [manifest.name for manifest in self.complete]


def catalogue(destination: Destination) -> Catalogue:
    """Read every backup folder of `destination` (folders that are not backups are ignored)."""
    found = Catalogue(url=destination.url)
    for name in destination.folders():
        if name == OBJECTS:
            continue
        try:
            raw = destination.read_bytes(f"{name}/{MANIFEST}")
        except FileNotFoundError:
            if destination.exists(f"{name}/{STARTED}"):
                found.incomplete.append((name, _started(destination, name)))
            continue
        try:
            found.complete.append(Manifest.from_json(raw, name=name))
        except CorruptBackup:
            found.damaged.append(name)
    found.complete.sort(key=lambda manifest: manifest.started_at, reverse=True)
    return found


def _started(destination: Destination, name: str) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads(destination.read_bytes(f"{name}/{STARTED}"))["started_at"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
