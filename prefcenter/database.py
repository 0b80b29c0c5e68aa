"""Engine set-up per backend, and schema upgrades."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import ColumnElement, Connection, Engine, Insert, Table, event
from sqlalchemy.dialects import postgresql, sqlite

from prefcenter.extensions import db
from prefcenter.sqlite_writers import BUSY_TIMEOUT_SECONDS, WriterQueue, writer_queue

WRITE_INTENT = "prefcenter_write"
# A connection that runs single statements, each its own transaction (read_connection).
STATEMENT_AT_A_TIME = "prefcenter_statement_at_a_time"


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # pysqlite would open a transaction only at the first write, after the reads it depends on;
    # hand transaction control to SQLAlchemy instead (its documented pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite;
    # a busy timeout makes concurrent writers wait instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL syncs the WAL at every commit: a stored message is on disk before SMTP answers 250.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
    cursor.close()


def _sqlite_begin(writers: WriterQueue | None, connection: Any) -> None:
    # A writer's IMMEDIATE takes the write lock up front: concurrent writers queue (see
    # sqlite_writers) instead of acting on the same old read. Readers stay DEFERRED and never
    # block anyone (WAL).
    options = connection.get_execution_options()
    if options.get(STATEMENT_AT_A_TIME):
        return
    if not options.get(WRITE_INTENT):
        connection.exec_driver_sql("BEGIN")
    elif writers is None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        writers.begin_writer(connection)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", partial(_sqlite_begin, writer_queue(engine)))


def begin_write() -> None:
    """Open the session's next transaction as a writer, before its first read.

    SQLite then locks for writing at BEGIN; PostgreSQL relies on row locks (FOR UPDATE) instead.
    Inside an already open transaction this does nothing.
    """
    if not db.session().in_transaction():
        db.session.connection(execution_options={WRITE_INTENT: True})


@contextmanager
def read_connection() -> Iterator[Connection]:
    """A pooled connection for a page's reads, outside the request's ORM session.

    What link scanners and people's pages read on every view needs no unit of work: Core
    statements on a bare connection cost a third of the same reads through the session. Each
    statement is its own transaction (autocommit on PostgreSQL, no BEGIN on SQLite), which spares
    a BEGIN and a ROLLBACK; each sees what was committed when it started.
    """
    connection = db.engine.connect()
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    else:
        # SQLAlchemy's AUTOCOMMIT on pysqlite would be undone on return to the pool in a way that
        # breaks _sqlite_connect's set-up; the begin hook leaves the transaction out instead.
        connection.execution_options(**{STATEMENT_AT_A_TIME: True})
    with connection:
        yield connection


class InsertNew:
    """INSERT ... ON CONFLICT (`unique`) DO NOTHING RETURNING `returning`, built once per backend.

    One round trip whether or not the row exists, and on PostgreSQL a concurrent insert of the
    same row waits for the other transaction and then does nothing, instead of failing. Only the
    rows actually inserted come back.
    """

    def __init__(
        self,
        table: Table,
        unique: Sequence[str],
        returning: Sequence[ColumnElement[Any]],
        values: dict[str, Any] | None = None,
    ) -> None:
        self._by_backend: dict[str, Insert] = {}
        for dialect in (postgresql, sqlite):
            statement = dialect.insert(table).on_conflict_do_nothing(index_elements=unique)
            if values:
                statement = statement.values(values)
            self._by_backend[dialect.dialect.name] = statement.returning(*returning)

    def on(self, connection: Connection) -> Insert:
        """The statement in the connection's dialect."""
        return self._by_backend[connection.dialect.name]


def upgrade_schema() -> None:
    """Bring the database to the newest migration (inside an app context)."""
    upgrade()


def render_migration_type(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerated migrations write our UTC column as the plain type it stores."""
    from prefcenter.models import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
