"""The hot statements sent through psycopg directly, with exactly the SQL SQLAlchemy would send.

Each statement is compiled once by SQLAlchemy for the engine's dialect: the same SQL string, bind
processing (``construct_expanded_state``: constants, expanding ``IN`` lists, type processors) and
result processing (each column type's own result processor) as the general path, and SQLAlchemy's
exceptions, so every caller handles errors as before. What it skips is SQLAlchemy's execution
machinery around the driver. ``PreparedConnection`` has the part of ``AsyncConnection`` the owners of
the hot operations use (``execute`` then ``first``, ``one``, ``all`` or iteration; ``scalar``).

Statements are planned once each, keyed by the statement object: pass only statements built once
(module constants, ``functools.cache``); one built per call would be compiled per call. Statement
listeners of the engine (``before_cursor_execute``: the tests' and the benchmark's statement counts)
hear every statement sent here too.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.pq import ConnStatus
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect as SqlDialect
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

ResultProcessor = Callable[[Any], Any] | None

# Far more than the hot statements (each owner's few); a statement built per call evicts the oldest.
MAX_PLANS = 256


class _Plan:
    """A statement compiled once: its compiled form, its rows' type and each column's processor."""

    __slots__ = ("binds", "compiled", "defaults", "expands", "processors", "row")

    def __init__(self, statement: Executable, dialect: SqlDialect) -> None:
        assert isinstance(statement, ClauseElement)
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.compiled = compiled
        self.expands = bool(compiled.post_compile_params or compiled.literal_execute_params)
        # What SQLAlchemy's execution context adds: Python-side column defaults (``default=utcnow``),
        # then each parameter's bind processor (an enum to its value, a datetime to UTC).
        self.defaults: tuple[tuple[str, Callable[[], Any]], ...] = ()
        if compiled.insert_prefetch or compiled.update_prefetch:
            key_of = compiled._within_exec_param_key_getter
            self.defaults = (
                *((key_of(column), _default_of(column.default)) for column in compiled.insert_prefetch),
                *((key_of(column), _default_of(column.onupdate)) for column in compiled.update_prefetch),
            )
        self.binds = {
            name: process for name, process in compiled._bind_processors.items() if process is not None
        }
        columns = compiled._result_columns
        self.row: Any = namedtuple("Row", [entry[0] for entry in columns], rename=True)  # type: ignore[misc]
        processors = [entry[3].dialect_impl(dialect).result_processor(dialect, None) for entry in columns]
        self.processors: tuple[ResultProcessor, ...] | None = tuple(processors) if any(processors) else None

    def rows(self, raw: Sequence[tuple[Any, ...]], cursor: psycopg.AsyncCursor[Any]) -> list[Any]:
        make = self.row._make
        if raw and not self.row._fields:  # text(): its columns are known from the cursor only
            names = [column.name for column in cursor.description or ()]
            make = namedtuple("Row", names, rename=True)._make  # type: ignore[attr-defined]
        processors = self.processors
        if processors is None:
            return [make(values) for values in raw]
        return [
            make(
                [
                    value if process is None else process(value)
                    for process, value in zip(processors, values, strict=True)
                ]
            )
            for values in raw
        ]


def _default_of(default: Any) -> Callable[[], Any]:
    """A column's Python-side default (or on-update value), computed per execution as SQLAlchemy does."""
    if default is not None and default.is_callable:
        return lambda: default.arg(None)
    if default is not None and default.is_scalar:
        return lambda: default.arg
    raise NotImplementedError(f"the statement pool does not compute a default like {default!r}")


class Statements:
    """The plans of one engine's statements."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._dialect = engine.dialect
        self._dispatch = engine.sync_engine.dispatch
        self._plans: dict[Executable, _Plan] = {}

    def plan(self, statement: Executable) -> _Plan:
        plan = self._plans.get(statement)
        if plan is None:
            if len(self._plans) >= MAX_PLANS:
                del self._plans[next(iter(self._plans))]
            plan = self._plans[statement] = _Plan(statement, self._dialect)
        return plan

    def heard(self, sql: str, parameters: Mapping[str, Any]) -> None:
        """Tell the engine's statement listeners, as SQLAlchemy would, if there are any."""
        if self._dispatch.before_cursor_execute:
            self._dispatch.before_cursor_execute(None, None, sql, parameters, None, False)

    def error(
        self, sql: str, parameters: Mapping[str, Any], error: psycopg.Error, broken: bool
    ) -> BaseException:
        """The exception SQLAlchemy raises for this driver error (``IntegrityError``, ``OperationalError``,
        ... with ``orig``), ``connection_invalidated`` when the connection broke."""
        return DBAPIError.instance(
            sql, parameters, error, psycopg.Error, connection_invalidated=broken, dialect=self._dialect
        )


class PreparedResult:
    """Fully fetched rows; each reads by position and by column name, as a SQLAlchemy row does."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise (
                NoResultFound("no row was found")
                if not self._rows
                else MultipleResultsFound("more than one row was found")
            )
        return self._rows[0]

    def all(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class PreparedConnection:
    """One pooled psycopg connection (autocommit) lent to one piece of work, with the cursor it
    reuses (``StatementPool.cursor``), if any."""

    __slots__ = ("_conn", "_cursor", "_statements", "broken")

    def __init__(
        self,
        conn: psycopg.AsyncConnection[Any],
        statements: Statements,
        cursor: psycopg.AsyncCursor[Any] | None = None,
    ) -> None:
        self._conn = conn
        self._cursor = cursor
        self._statements = statements
        self.broken = False  # set when a statement found the connection broken

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> PreparedResult:
        plan = self._statements.plan(statement)
        compiled = plan.compiled
        if plan.expands:
            state = compiled.construct_expanded_state(parameters)
            sql, values, expanded = state.statement, dict(state.parameters), state.processors
        else:  # the SQL is fixed: what construct_expanded_state would give, without its cost
            sql, values, expanded = compiled.string, dict(compiled.construct_params(parameters)), {}
        for name, default in plan.defaults:
            values[name] = default()
        for processors in (plan.binds, expanded):
            for name, process in processors.items():
                if name in values:
                    values[name] = process(values[name])  # type: ignore[operator]  # no tuple types
        self._statements.heard(sql, values)
        try:
            cursor = self._cursor
            if cursor is None or self._conn.pgconn.status != ConnStatus.OK:
                # A new cursor, as psycopg's own execute makes: its check of the connection
                # raises psycopg's error for a connection that is not usable.
                cursor = await self._conn.execute(sql, values)
            else:
                await cursor.execute(sql, values)
            # rownumber, not description: description builds a Column per column on every read.
            raw = await cursor.fetchall() if cursor.rownumber is not None else []
        except psycopg.Error as error:
            self.broken = self._conn.closed or self._conn.broken
            raise self._statements.error(sql, values, error, self.broken) from error
        return PreparedResult(plan.rows(raw, cursor))

    async def scalar(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Any:
        row = (await self.execute(statement, parameters)).first()
        return None if row is None else row[0]


# What the work of ``Database.fetch_prepared`` and ``single_statement`` is given.
Connection = AsyncConnection | PreparedConnection
