"""The database half of a backup: a consistent dump while the site runs, and its restore.

PostgreSQL is dumped by pg_dump in its custom format (one snapshot, so consistent under load) and restored
by pg_restore --clean in one transaction; SQLite is copied page by page through SQLite's online backup API
(sqlite3.Connection.backup), which sees one consistent state even while the web server writes.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from newsroom.models import Agency, StoryPage

from .errors import BackupError

ENGINES = {"django.db.backends.postgresql": "postgresql", "django.db.backends.sqlite3": "sqlite"}
DUMP_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def engine() -> str:
    """ "postgresql" or "sqlite", the database this deployment runs; raises BackupError for any other."""
    name = ENGINES.get(connection.settings_dict["ENGINE"])
    if name is None:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(engine)s.")
            % {"engine": connection.settings_dict["ENGINE"]}
        )
    return name


# --- PostgreSQL ---------------------------------------------------------------------------------------------
def _tool(name: str) -> str:
    folder = settings.BACKUP_PG_BINDIR
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not os.access(found, os.X_OK):
        raise BackupError(
            _(
                "%(tool)s was not found. Install the PostgreSQL client tools of the server's version "
                "(on Debian: postgresql-client) or set BACKUP_PG_BINDIR to the folder that holds them."
            )
            % {"tool": name}
        )
    return found


def _tool_version(path: str) -> int:
    result = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\b(\d+)(?:\.\d+)*", result.stdout)
    if result.returncode or not match:
        raise BackupError(_("%(tool)s does not run.") % {"tool": path}, detail=result.stderr)
    return int(match.group(1))


def _server_version() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def _pg_env() -> dict[str, str]:
    # Everything through the environment, so the password never shows in the process list.
    db = connection.settings_dict
    _args, extra = DatabaseClient.settings_to_cmd_args_env(db, [])
    env = {**os.environ, **(extra or {})}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _run(args: list[str], *, failure: str) -> None:
    result = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode:
        raise BackupError(failure, detail=result.stderr[-4000:])


def pg_dump_tool() -> tuple[str, int]:
    """pg_dump's path and major version; raises BackupError if it is missing or older than the server
    (pg_dump refuses to dump a newer server)."""
    path = _tool("pg_dump")
    version, server = _tool_version(path), _server_version()
    if version < server:
        raise BackupError(
            _(
                "pg_dump %(tool)s cannot dump a PostgreSQL %(server)s server. Install the client tools of "
                "version %(server)s or newer (postgresql-client-%(server)s), or set BACKUP_PG_BINDIR."
            )
            % {"tool": version, "server": server}
        )
    return path, version


def pg_restore_tool(dump_version: int | None) -> str:
    """pg_restore's path; raises BackupError if it is missing or older than the pg_dump that made the dump
    (pg_restore cannot read a newer archive format)."""
    path = _tool("pg_restore")
    version = _tool_version(path)
    if dump_version and version < dump_version:
        raise BackupError(
            _(
                "This backup was made by pg_dump %(dump)s; pg_restore %(tool)s cannot read it. Install the "
                "client tools of version %(dump)s or newer, or set BACKUP_PG_BINDIR."
            )
            % {"dump": dump_version, "tool": version}
        )
    return path


# --- dump and restore ---------------------------------------------------------------------------------------
def dump(path: Path) -> int | None:
    """Write a consistent dump of the default database to `path`; returns the dump tool's major version
    (None for SQLite). Raises BackupError when the dump fails."""
    if engine() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
            # A WAL database's copy would say WAL too: one self-contained file is what a backup wants.
            target.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as error:
            message = _("The SQLite database could not be copied: %(reason)s") % {"reason": error}
            raise BackupError(message) from error
        finally:
            target.close()
        return None
    tool, version = pg_dump_tool()
    _run(
        [tool, "--format=custom", "--no-password", "--file", str(path), connection.settings_dict["NAME"]],
        failure=_("pg_dump could not dump the database."),
    )
    return version


def restore(path: Path, *, dump_version: int | None) -> None:
    """Replace the default database's content with the dump at `path`.

    PostgreSQL: pg_restore --clean --if-exists in one transaction (all or nothing); ownership and grants
    are left to the connecting role, which may differ from the one that made the dump. SQLite: the
    backup API writes the dump's pages over the database. Raises BackupError when that fails."""
    if engine() == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        except sqlite3.Error as error:
            message = _("The SQLite database could not be restored: %(reason)s") % {"reason": error}
            raise BackupError(message) from error
        finally:
            source.close()
        return
    _pg_restore(path, dump_version=dump_version)


def _pg_restore(path: Path, *, dump_version: int | None) -> None:
    # pg_restore --clean alone cannot replace partitioned tables (it drops a partition's inherited
    # constraint first, which PostgreSQL refuses). So psql runs, in one transaction, a DROP of every table
    # of ours and then the script pg_restore writes; the database is then exactly the dump, without the
    # tables of later migrations (`migrate` makes them again). COMMIT is sent only once pg_restore has
    # written its whole script: on any failure psql ends inside the transaction, which is rolled back.
    restore_tool, psql = pg_restore_tool(dump_version), _tool("psql")
    tables = ", ".join(connection.ops.quote_name(name) for name in connection.introspection.table_names())
    connections.close_all()  # an open connection of ours would only hold the DROP's locks up
    env, name = _pg_env(), connection.settings_dict["NAME"]
    script_args = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--file", "-", str(path)]
    psql_args = ["--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--no-password", "--dbname", name]
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as psql_errors:
        runner = subprocess.Popen(
            [psql, *psql_args, "--file", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors, env=env,
        )  # fmt: skip
        script = subprocess.Popen([restore_tool, *script_args], stdout=subprocess.PIPE, stderr=script_errors)
        try:
            runner.stdin.write(b"BEGIN;\n")
            if tables:
                runner.stdin.write(f"DROP TABLE IF EXISTS {tables} CASCADE;\n".encode())
            shutil.copyfileobj(script.stdout, runner.stdin, 1 << 20)
            if script.wait() == 0:
                runner.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            script.kill()  # psql stopped at an error; its stderr says which
        finally:
            script.stdout.close()
            try:
                runner.stdin.close()
            except BrokenPipeError:
                pass
        failed = script.wait() != 0
        failed = runner.wait() != 0 or failed
        if failed:
            script_errors.seek(0)
            psql_errors.seek(0)
            detail = (script_errors.read() + psql_errors.read()).decode(errors="replace")
            raise BackupError(
                _("pg_restore could not restore the database; it was left as it was."), detail=detail[-4000:]
            )


# --- what the database holds --------------------------------------------------------------------------------
def holds_data() -> dict[str, int]:
    """How many accounts, agencies and stories the database holds (the tables `migrate` fills alone are
    not counted); empty for a new or emptied database."""
    tables = set(connection.introspection.table_names())
    counts = {}
    for label, model in (("accounts", get_user_model()), ("agencies", Agency), ("stories", StoryPage)):
        if model._meta.db_table in tables:
            count = model.objects.count()
            if count:
                counts[label] = count
    return counts


def applied_migrations() -> list[tuple[str, str]]:
    """The (app, migration) pairs applied to the default database, sorted."""
    return sorted(MigrationRecorder(connection).applied_migrations())


def unknown_migrations(applied: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Of `applied`, the migrations this code does not have: a dump from newer code it cannot run on."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)  # squashed away, yet applied in older databases
    # Rows of apps no longer installed stay in django_migrations for ever; they say nothing of the code.
    return [pair for pair in applied if pair[0] in loader.migrated_apps and tuple(pair) not in known]


def migrations_pending() -> bool:
    """Whether this code has migrations the database has not applied (after restoring an older backup)."""
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
