"""SQLite runs one bridge process: ``fanbridge run`` holds an OS lock (``flock``) on a file
next to the database (``bridge.db.lock``) for as long as it runs, and a second process on the
same file is refused at start (``DatabaseInUse``). Several workers need PostgreSQL.

The OS drops the lock when the process ends, however it ends (a ``kill -9`` included), so a
stale lock never blocks a restart. The file holds the holder's pid; a clean stop removes it
(a lock taken on a file removed meanwhile is taken again on the new one)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

if sys.platform != "win32":
    import fcntl


class DatabaseInUse(Exception):
    """Another process runs a bridge on this SQLite file."""

    def __init__(self, database: Path, pid: str) -> None:
        super().__init__(f"{database} is in use by another process (pid {pid or '?'})")
        self.database = database
        self.pid = pid


class SqliteLock:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._file: IO[str] | None = None

    @classmethod
    def for_url(cls, url: str) -> SqliteLock | None:
        """The lock of a SQLite file database; None for PostgreSQL and in-memory SQLite."""
        parsed = make_url(url)
        database = parsed.database or ""
        if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
            return None
        if database.startswith("file:") or parsed.query.get("mode") == "memory":
            return None
        return cls(Path(database).resolve())

    def acquire(self) -> None:
        """Hold the lock, or raise ``DatabaseInUse`` naming the holder's pid."""
        if sys.platform == "win32":
            return
        while self._file is None:
            handle = self.path.open("a+", encoding="utf-8")
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                pid = handle.read().strip()
                handle.close()
                raise DatabaseInUse(self.database, pid) from None
            if not self._still_there(handle):  # its holder removed it as we locked it: again
                handle.close()
                continue
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            self._file = handle

    def _still_there(self, handle: IO[str]) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Remove the lock file, then let the lock go (whoever waited for it sees it gone)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
