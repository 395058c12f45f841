"""How the server process uses its one DuckDB database: many readers, one writer.

The process opens the file read-write once (DuckDB allows one writing process, and while it holds the file no
other process can open it). Each request reads through its own cursor (``con.cursor()``: a connection to the same
database instance, safe to use from its own thread, seeing committed data); every write goes through
:meth:`StoreAccess.write`, serialised by one lock, and what it wrote is published to the live hub.
When the store's ``StoreWriter`` thread exists it can take that lock's place: writes then become submissions.

A read view made while a request's time budget runs (``scenewatch.web.budget``) checks the budget before every
query and registers its cursor, so a request out of time has its running query interrupted; at shutdown
:meth:`StoreAccess.interrupt_all` stops every read still running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import pyarrow as pa

from scenewatch.columnar import announcements_of, nukes_of
from scenewatch.records import Announcement, NukeEvent
from scenewatch.store import Database, WriteResult
from scenewatch.store.batch import PreparedBatch
from scenewatch.web.budget import Budget, current_budget
from scenewatch.web.live import MAX_ITEMS_PER_MESSAGE, LiveHub

T = TypeVar("T")


class BudgetedConnection:
    """A read cursor that checks its request's budget before every query (else it is the cursor itself)."""

    def __init__(self, con: Any, budget: Budget) -> None:
        self._con = con
        self._budget = budget
        budget.attach(con)

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        """As ``DuckDBPyConnection.execute``, once the budget allows."""
        self._budget.check()
        return self._con.execute(*args, **kwargs)

    def sql(self, *args: Any, **kwargs: Any) -> Any:
        """As ``DuckDBPyConnection.sql``, once the budget allows."""
        self._budget.check()
        return self._con.sql(*args, **kwargs)

    def cursor(self) -> BudgetedConnection:
        """A further cursor under the same budget."""
        self._budget.check()
        return BudgetedConnection(self._con.cursor(), self._budget)

    def close(self) -> None:
        """Close the cursor and stop tracking it."""
        self._budget.detach(self._con)
        self._con.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


class CursorView(Database):
    """A read view of a Database through its own cursor: what analysis functions get per request."""

    def __init__(self, parent: Database, con: Any = None) -> None:  # no super().__init__: nothing opened or migrated
        self.path = parent.path
        self.read_only = True
        raw = con if con is not None else parent.con.cursor()
        raw.execute("SET TimeZone = 'UTC'")
        self.raw = raw
        budget = current_budget()
        self.con = BudgetedConnection(raw, budget) if budget is not None else raw

    def close(self) -> None:
        """Close the cursor only; the parent connection stays open."""
        self.con.close()


class _PublishingDatabase:
    """The writing Database, seen by the ingest loop: every committed batch is also published."""

    def __init__(self, db: Database, hub: LiveHub, on_commit: Callable[[], None]) -> None:
        self._db = db
        self._hub = hub
        self._on_commit = on_commit
        self._written: list[tuple[PreparedBatch | None, pa.Table | None]] = []  # not committed yet

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    def write(
        self,
        announcements: Sequence[Announcement],
        parsed: dict[str, list[Any]] | None = None,
        nukes: Sequence[NukeEvent] = (),
        **options: Any,
    ) -> WriteResult:
        result = self._db.write(announcements, parsed, nukes, **options)
        self._on_commit()  # a long ingest commits batch by batch: cached answers go stale with each
        if announcements or nukes:
            self._hub.publish(_Batch(announcements, nukes))
        return result

    def write_prepared(
        self, prepared: PreparedBatch | None, nukes: pa.Table | None = None, *args: Any, commit: bool = True
    ) -> WriteResult:
        """As Database.write_prepared (the ingest loop's way); what it wrote is published once committed."""
        result = self._db.write_prepared(prepared, nukes, *args, commit=commit)
        self._written.append((prepared, nukes))
        if commit:
            self._committed()
        return result

    def commit_prepared(self) -> None:
        """As Database.commit_prepared, then publish what was committed."""
        self._db.commit_prepared()
        self._committed()

    def _committed(self) -> None:
        self._on_commit()
        written, self._written = self._written, []
        for prepared, nukes in written:
            table = prepared.table if prepared is not None else None
            # A live message details only the last announcements: turning those alone into records is enough.
            tail = table.slice(max(0, table.num_rows - MAX_ITEMS_PER_MESSAGE)) if table is not None else None
            announcements = announcements_of(tail) if tail is not None else []
            events = nukes_of(nukes) if nukes is not None else []
            if announcements or events:
                self._hub.publish(_Batch(announcements, events))


class _Batch:
    __slots__ = ("announcements", "nukes")

    def __init__(self, announcements: Sequence[Announcement], nukes: Sequence[NukeEvent]) -> None:
        self.announcements = announcements
        self.nukes = nukes


class StoreAccess:
    """The server's handle on the store: per-request read views and one serialised writer.

    With a ``StoreWriter`` (live ingest in the same process), writes are submitted to its thread and what it
    flushes is published; without one, writes run under one lock on the Database's own connection. Reads never
    touch that connection: cursors come from a root cursor made once at start.
    """

    def __init__(self, db: Database, hub: LiveHub | None = None, writer: Any = None) -> None:
        self.db = db
        self.hub = hub or LiveHub()
        self.writer = writer
        self._write_lock = threading.Lock()
        self._cursor_lock = threading.Lock()
        self._root = writer.cursor() if writer is not None else db.con.cursor()
        self._changes = 0
        self._views: set[CursorView] = set()
        if writer is not None and getattr(writer, "on_batch", None) is None:
            writer.on_batch = self.hub.publish

    @property
    def generation(self) -> int:
        """A number that grows with every committed write (cached answers of older generations are stale)."""
        return self._changes + (int(getattr(self.writer, "flushes", 0)) if self.writer is not None else 0)

    def changed(self) -> None:
        """Note that the store changed (what was read before is stale)."""
        self._changes += 1

    def _cursor(self) -> Any:
        with self._cursor_lock:
            return self._root.cursor()

    @contextmanager
    def reader(self) -> Iterator[Database]:
        """A read view for one request (its own cursor), closed afterwards."""
        view = self.open_reader()
        try:
            yield view
        finally:
            self.close_reader(view)

    def open_reader(self) -> CursorView:
        """A read view whose closing is the caller's job (:meth:`close_reader`; for streamed responses)."""
        view = CursorView(self.db, self._cursor())
        with self._cursor_lock:
            self._views.add(view)
        return view

    def close_reader(self, view: CursorView) -> None:
        """Close a view from :meth:`open_reader`."""
        with self._cursor_lock:
            self._views.discard(view)
        view.close()

    def interrupt_all(self) -> int:
        """Interrupt every read running now (at shutdown); returns how many views were open."""
        with self._cursor_lock:
            views = list(self._views)
        for view in views:
            try:
                view.raw.interrupt()
            except Exception:
                pass
        return len(views)

    def write(self, work: Callable[[Database], T]) -> T:
        """Run ``work`` with the writing Database, alone; batches it writes are published live."""
        if self.db.read_only:
            raise PermissionError("the database is open read-only")
        if self.writer is not None:
            try:
                publishing = lambda db: work(_PublishingDatabase(db, self.hub, self.changed))  # noqa: E731
                return self.writer.submit(publishing, timeout=None)  # type: ignore[no-any-return]
            finally:
                self.changed()
        with self._write_lock:
            try:
                return work(_PublishingDatabase(self.db, self.hub, self.changed))  # type: ignore[arg-type]
            finally:
                self.changed()

    def close(self) -> None:
        """Close the root read cursor."""
        with self._cursor_lock:
            self._root.close()


def fetch(db: Database, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a query as dicts of plain Python values (lists stay lists, dates stay dates: FastAPI encodes them)."""
    cursor = db.con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
