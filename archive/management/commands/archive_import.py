"""`manage.py archive_import`: bring a folder of photos, video and audio into one agency's archive.

    manage.py archive_import PATH --agency SHORT_NAME [--user USERNAME] [--sharing private|agency|deployment]
        [--licence LICENCE] [--credit CREDIT] [--manifest FILE] [--dry-run]

Each file goes through archive.services.ingest_local_file, as an upload from the admin does: checked by its
content, refused with a reason if the archive cannot take it, and never stored twice (its SHA-256 decides).
That is what makes a run safe to repeat: after an interruption the same command counts what is already in
and imports the rest. The folder names under PATH become the new assets' keywords.

A folder written by archive_export carries a manifest.json: it is read automatically (or give --manifest),
so each file gets back its title, caption, credit, licence, dates, place and keywords, and the manifest and
the renditions it lists are not imported as files. --sharing, --licence and --credit, when given, apply to
every file and win over the manifest.
"""

import json
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from archive import services
from archive.inspect import RejectedFile, inspect_file
from archive.models import Licence, Sharing
from newsroom.models import Agency

logger = logging.getLogger(__name__)

MANIFEST_FORMAT = "toa-soan-hoi-tu/archive-export"
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
# Files a desktop leaves in folders by itself; never a newsroom's material, so not worth a refusal line.
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini"})
TAG_MAX_LENGTH = 100  # django-taggit's Tag.name
# Manifest fields given back to an imported file; the rest (SHA-256, size, state...) the ingest measures.
MANIFEST_TEXT_FIELDS = ("title", "caption", "credit", "copyright_holder", "usage_terms", "location")
MANIFEST_DATE_FIELDS = ("expires_at", "captured_at")
MANIFEST_NUMBER_FIELDS = ("latitude", "longitude")


class Command(BaseCommand):
    help = _(
        "Import a folder of photos, video and audio into an agency's archive. Folder names become keywords; "
        "files already in the archive are skipped, so an interrupted import can simply be run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("The folder to import (or a single file)."))
        parser.add_argument(
            "--agency", required=True, help=_("Short name of the agency that will own the files.")
        )
        parser.add_argument(
            "--user", help=_("Username recorded as the uploader; must be on the agency's staff.")
        )
        parser.add_argument(
            "--sharing", choices=Sharing.values, help=_("Who may use the files (default: agency).")
        )
        parser.add_argument("--licence", choices=Licence.values, help=_("Licence of every file."))
        parser.add_argument("--credit", help=_("Credit line of every file."))
        parser.add_argument(
            "--manifest",
            help=_("manifest.json written by archive_export (default: the one in PATH, if there is one)."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check every file and report, but store nothing.")
        )

    def handle(self, *args, **options):
        agency = find_agency(options["agency"])
        user = find_user(options["user"], agency)
        fields = given_fields(options)
        if fields.get("sharing") == Sharing.PRIVATE and user is None:
            raise CommandError(_("Private files need an owner: give --user."))
        path = Path(options["path"]).expanduser()
        if not path.exists():
            raise CommandError(_("%(path)s does not exist.") % {"path": path})
        root = path if path.is_dir() else path.parent
        manifest = load_manifest(root, options["manifest"])
        if manifest.entries:
            self.stdout.write(
                _("Reading titles, captions and keywords from %(manifest)s.") % {"manifest": manifest.path}
            )
        files = [file for file in files_under(path) if manifest.key(file) not in manifest.skipped]
        run = ImportRun(
            agency=agency, user=user, fields=fields, manifest=manifest, dry_run=options["dry_run"]
        )
        tally = self.import_files(run, root, files, options["verbosity"])
        self.report(tally, dry_run=run.dry_run, found=len(files))

    def import_files(self, run: "ImportRun", root: Path, files: list[Path], verbosity: int) -> "Tally":
        """Every file in turn; Ctrl-C ends the loop between two files, and the counts so far are kept."""
        tally = Tally()
        progress = Progress(self.stderr, len(files))
        with StopAfterCurrentFile(self.stderr, before_notice=progress.clear) as stop:
            try:
                for path in files:
                    if stop.requested:
                        tally.interrupted = True
                        break
                    relative = path.relative_to(root).as_posix()
                    outcome = run.import_one(path, relative, tally)
                    if verbosity >= 2:
                        progress.clear()
                        self.stdout.write(f"{relative}: {outcome}")
                    progress.step()
            except KeyboardInterrupt:
                tally.interrupted = True
            finally:
                progress.finish()
        return tally

    def report(self, tally: "Tally", *, dry_run: bool, found: int) -> None:
        if not found:
            self.stdout.write(_("No files to import."))
        if tally.interrupted:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Interrupted. Run the same command again to import the rest; files already in "
                        "the archive are skipped."
                    )
                )
            )
        imported = _("Would be imported: %(count)d") if dry_run else _("Imported: %(count)d")
        self.stdout.write(self.style.SUCCESS(imported % {"count": tally.imported}))
        self.stdout.write(_("Already in the archive: %(count)d") % {"count": tally.already_in})
        self.write_list(_("Refused: %(count)d"), tally.refused)
        self.write_list(_("Errors: %(count)d"), tally.errors)

    def write_list(self, heading: str, problems: list[tuple[str, str]]) -> None:
        style = self.style.WARNING if problems else str
        self.stdout.write(style(heading % {"count": len(problems)}))
        for relative, message in problems:
            self.stdout.write(f"  {relative}: {message}")


@dataclass
class Tally:
    imported: int = 0
    already_in: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False


@dataclass
class Manifest:
    """What an export said of its files, keyed by path relative to the manifest's folder."""

    path: Path | None = None
    entries: dict[str, dict] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)  # the manifest files and the renditions they list

    def key(self, path: Path) -> str:
        if self.path is None:
            return ""
        return Path(os.path.relpath(path, self.path.parent)).as_posix()

    def entry(self, path: Path) -> dict:
        return self.entries.get(self.key(path), {})


@dataclass
class ImportRun:
    """One import's settings, and the SHA-256s a dry run has seen (it stores nothing to deduplicate by)."""

    agency: Agency
    user: object
    fields: dict
    manifest: Manifest
    dry_run: bool
    seen: set = field(default_factory=set)

    def import_one(self, path: Path, relative: str, tally: Tally) -> str:
        """Import (or, in a dry run, check) one file, count the outcome, and say it in a few words."""
        entry = self.manifest.entry(path)
        try:
            if self.dry_run:
                duplicate, asset = self.preview(path), None
            else:
                values = {**manifest_fields(entry), **self.fields}
                result = services.ingest_local_file(
                    path=path, original_name=path.name, user=self.user, agency=self.agency, **values
                )
                duplicate, asset = result.duplicate, result.asset
                if not duplicate:
                    tags = entry.get("keywords") if entry else folder_tags(relative)
                    if tags:
                        asset.tags.add(*clean_tags(tags))
        except RejectedFile as refusal:
            tally.refused.append((relative, str(refusal.message)))
            return _("refused")
        except Exception as error:  # one unreadable file must not end a run of thousands
            logger.exception("archive_import could not import %s", path)
            tally.errors.append((relative, str(error) or error.__class__.__name__))
            return _("error")
        if duplicate:
            tally.already_in += 1
            return _("already in the archive")
        tally.imported += 1
        return _("imported as no. %(id)s") % {"id": asset.pk} if asset else _("would be imported")

    def preview(self, path: Path) -> bool:
        """Whether the file is already in, checked as the ingest would, without storing it."""
        facts = inspect_file(path, original_name=path.name)
        key = (facts.kind == "image", facts.sha256)
        duplicate = key in self.seen or services.find_duplicate(
            sha256=facts.sha256, agency=self.agency, kind=facts.kind
        )
        self.seen.add(key)
        return bool(duplicate)


def find_agency(short_name: str) -> Agency:
    try:
        return Agency.objects.select_related("collection").get(short_name=short_name)
    except Agency.DoesNotExist:
        known = ", ".join(Agency.objects.order_by("short_name").values_list("short_name", flat=True))
        raise CommandError(
            _("No agency has the short name “%(name)s”. Agencies: %(known)s.")
            % {"name": short_name, "known": known or "-"}
        ) from None


def find_user(username: str | None, agency: Agency):
    """The uploader to record: a member of the agency's staff, since the files become the agency's."""
    if not username:
        return None
    User = get_user_model()
    try:
        user = User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist:
        raise CommandError(_("No user is called “%(user)s”.") % {"user": username}) from None
    if not Agency.objects.for_user(user).filter(pk=agency.pk).exists():
        raise CommandError(
            _("%(user)s is not on the staff of %(agency)s.") % {"user": username, "agency": agency.name}
        )
    return user


def given_fields(options: dict) -> dict:
    """The archive fields set on the command line, for every file."""
    return {name: options[name] for name in ("sharing", "licence", "credit") if options[name] is not None}


def files_under(root: Path) -> list[Path]:
    """The files to import, in a stable order (folder by folder, names sorted), hidden ones left out.

    A stable order makes two runs' progress and reports comparable. Hidden files and folders (.DS_Store,
    macOS's ._ resource forks, .git) belong to the computer, not to the newsroom.
    """
    if root.is_file():
        return [root]
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not is_skipped(name))
        found += [Path(folder) / name for name in sorted(names) if not is_skipped(name)]
    return found


def is_skipped(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_FILES


def folder_tags(relative: str) -> list[str]:
    """Keywords from the folders a file sits in: "Tết 2026/Hà Nội/a.jpg" gives "Tết 2026" and "Hà Nội"."""
    return list(PurePosixPath(relative).parts[:-1])


def clean_tags(tags) -> list[str]:
    cleaned = (str(tag).strip()[:TAG_MAX_LENGTH] for tag in tags)
    return list(dict.fromkeys(tag for tag in cleaned if tag))


def load_manifest(folder: Path, given: str | None) -> Manifest:
    """The export's manifest: the one given, else PATH/manifest.json if archive_export wrote it.

    A manifest.json that some other tool wrote is left alone (imported, or refused, like any file).
    """
    path = Path(given).expanduser() if given else folder / MANIFEST_JSON
    if not given and not path.is_file():
        return Manifest()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        if not given:
            return Manifest()
        raise CommandError(
            _("%(path)s cannot be read: %(error)s") % {"path": path, "error": error}
        ) from error
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        if not given:
            return Manifest()
        raise CommandError(_("%(path)s is not a manifest written by archive_export.") % {"path": path})
    assets = [item for item in data.get("assets", []) if isinstance(item, dict) and item.get("file")]
    skipped = {
        MANIFEST_JSON,
        MANIFEST_CSV,
        *(name for item in assets for name in item.get("renditions") or []),
    }
    return Manifest(path=path, entries={item["file"]: item for item in assets}, skipped=skipped)


def manifest_fields(entry: dict) -> dict:
    """The fields a manifest entry gives back, each checked: a hand-edited manifest may hold anything."""
    values = {
        name: entry[name] for name in MANIFEST_TEXT_FIELDS if isinstance(entry.get(name), str) and entry[name]
    }
    if "title" in values:
        values["title"] = values["title"][:255]
    for name in MANIFEST_DATE_FIELDS:
        moment = parse_datetime(entry[name]) if isinstance(entry.get(name), str) else None
        if moment:
            values[name] = moment
    for name in MANIFEST_NUMBER_FIELDS:
        if isinstance(entry.get(name), int | float) and not isinstance(entry[name], bool):
            values[name] = float(entry[name])
    if entry.get("licence") in Licence.values:
        values["licence"] = entry["licence"]
    if entry.get("sharing") in Sharing.values:
        values["sharing"] = entry["sharing"]
    return values


class StopAfterCurrentFile:
    """Ctrl-C asks the run to stop once the file in hand is done, so no file is left half-stored.

    A second Ctrl-C stops at once, for an operator who cannot wait. Signals can only be caught in the main
    thread; elsewhere (a test runner's thread) Ctrl-C keeps Python's own behaviour.
    """

    def __init__(self, stream, *, before_notice=lambda: None):
        self.stream, self.before_notice = stream, before_notice
        self.requested = False
        self.installed = False

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.request)
            self.installed = True
        return self

    def request(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self.before_notice()
        self.stream.write(_("Stopping after the current file (press Ctrl-C again to stop at once)."))

    def __exit__(self, *exc_info):
        if self.installed:
            signal.signal(signal.SIGINT, self.previous)
        return False


class Progress:
    """How far a long run is: a bar redrawn in place on a terminal, a plain line every 100 files in a log.

    It goes to stderr, so the report on stdout stays clean when it is piped or saved.
    """

    LOG_EVERY = 100
    REDRAW_SECONDS = 0.1
    BAR_WIDTH = 24

    def __init__(self, stream, total: int, *, clock=time.monotonic):
        self.stream, self.total, self.clock = stream, total, clock
        self.tty = stream.isatty()
        self.done = 0
        self.started = clock()
        self.drawn_at = None
        self.width = 0

    def step(self) -> None:
        self.done += 1
        now = self.clock()
        if self.tty:
            if self.drawn_at is None or self.done == self.total or now - self.drawn_at >= self.REDRAW_SECONDS:
                self.draw(now)
        elif self.done % self.LOG_EVERY == 0:
            self.write(self.status(now) + "\n")

    def status(self, now: float) -> str:
        rate = self.done / max(now - self.started, 1e-6)
        left = (self.total - self.done) / rate if rate else 0
        percent = 100 * self.done // self.total if self.total else 100
        return _("%(done)d/%(total)d files, %(percent)d%%, %(rate).1f files/s, %(eta)s left") % {
            "done": self.done,
            "total": self.total,
            "percent": percent,
            "rate": rate,
            "eta": clock_time(left),
        }

    def draw(self, now: float) -> None:
        filled = self.BAR_WIDTH * self.done // self.total if self.total else self.BAR_WIDTH
        line = f"[{'#' * filled}{'-' * (self.BAR_WIDTH - filled)}] {self.status(now)}"
        self.write("\r" + line.ljust(self.width))
        self.width, self.drawn_at = len(line), now

    def clear(self) -> None:
        """Wipe the bar, so a line written to the terminal does not land in the middle of it."""
        if self.tty and self.width:
            self.write("\r" + " " * self.width + "\r")
            self.width, self.drawn_at = 0, None

    def finish(self) -> None:
        if self.tty and self.width:
            self.write("\n")
            self.width = 0

    def write(self, text: str) -> None:
        self.stream.write(text, style_func=str, ending="")
        self.stream.flush()


def clock_time(seconds: float) -> str:
    """1:02:03 or 2:03: short, and the same in every language."""
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
