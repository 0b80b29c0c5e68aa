"""SQLite writers of one database file take turns in a queue, not in SQLite's busy handler.

SQLite lets one writer in at a time. The others retry from its busy handler, which sleeps 1, 2, 5,
10 and up to 100 ms between tries, so under a burst of clicks the lock stood free for most of
those sleeps: 8 writers made about 150 clicks/s with a p99 over a second (bench/http.py). Here a
writer first waits its turn among its own process's threads, then for an flock on a file beside
the database, which the kernel hands to a waiting process the moment it is released. BEGIN
IMMEDIATE then finds SQLite's lock free, unless something outside the queue holds it (the sqlite3
shell, a backup), for which the busy timeout still applies.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError

# Also SQLite's own busy timeout (prefcenter.database).
BUSY_TIMEOUT_SECONDS = 10.0


class WriterQueue:
    """One per engine: a thread lock for the process's threads, an flock across processes."""

    def __init__(self, database: str, timeout: float) -> None:
        self.timeout = timeout
        self._threads = threading.Lock()
        self._file = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        # The DBAPI connection of the transaction whose turn it is: one at a time per process.
        self._holder: Any = None

    def take_turn(self) -> None:
        # Bounded, so that a second write transaction opened by the thread holding the turn
        # fails like a busy SQLite would (503, "try again") instead of waiting for itself.
        if not self._threads.acquire(timeout=self.timeout):
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("writer queue timed out")
            )
        try:
            # Unbounded: the holder is another process's transaction, which ends or dies (and
            # the kernel drops a dead process's lock).
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def end_turn(self) -> None:
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()

    def attach(self, engine: Engine) -> None:
        """A turn ends when its connection returns to the pool, which a session does right after
        its commit or rollback, or when the connection is thrown away."""
        event.listen(engine.pool, "checkin", self._connection_done)
        event.listen(engine.pool, "invalidate", self._connection_done)

    def begin_writer(self, connection: Connection) -> None:
        """Take a turn, then BEGIN IMMEDIATE on the connection."""
        self.take_turn()
        self._holder = connection.connection.dbapi_connection
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def _connection_done(self, dbapi_connection: Any, *_: Any) -> None:
        if dbapi_connection is not None and dbapi_connection is self._holder:
            self._holder = None
            self.end_turn()


def writer_queue(engine: Engine) -> WriterQueue | None:
    """The queue for a SQLite file's writers; None for an in-memory database, which is private
    to its one connection anyway."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    queue = WriterQueue(database, BUSY_TIMEOUT_SECONDS)
    queue.attach(engine)
    return queue
