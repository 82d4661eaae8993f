"""A backup's manifest: what it holds, with a SHA-256 for every byte of it, written last into its folder."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from .errors import CorruptBackup

FORMAT = 1


@dataclass(frozen=True)
class MediaEntry:
    """One file of the media storage: its storage name, size, content hash, and when it last changed
    (the next backup reuses the hash of a file whose size and change time are the same)."""

    path: str
    size: int
    sha256: str
    modified: str


@dataclass
class Manifest:
    name: str
    started_at: datetime
    finished_at: datetime
    host: str
    record_id: int | None
    database_engine: str
    database_file: str
    database_size: int
    database_sha256: str
    # The dump tool's major version (pg_dump), so restore can say which pg_restore it needs.
    database_tool_version: int | None
    # (app, migration) applied in the dumped database: restore refuses a backup newer than the code.
    migrations: list[tuple[str, str]]
    media: list[MediaEntry] = field(default_factory=list)
    copied_files: int = 0
    copied_bytes: int = 0

    @property
    def media_bytes(self) -> int:
        return sum(entry.size for entry in self.media)

    def to_json(self) -> bytes:
        data = asdict(self)
        data["format"] = FORMAT
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat()
        return json.dumps(data, ensure_ascii=False, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes, *, name: str) -> Manifest:
        """The manifest in `raw`; raises CorruptBackup when it is not one this code can read."""
        try:
            data = json.loads(raw)
            if data.pop("format") != FORMAT:
                raise ValueError("format")
            data["started_at"] = datetime.fromisoformat(data["started_at"])
            data["finished_at"] = datetime.fromisoformat(data["finished_at"])
            data["migrations"] = [tuple(pair) for pair in data["migrations"]]
            data["media"] = [MediaEntry(**entry) for entry in data["media"]]
            return cls(**data)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise CorruptBackup(
                _("The manifest of the backup %(name)s is damaged or unreadable.") % {"name": name}
            ) from error
