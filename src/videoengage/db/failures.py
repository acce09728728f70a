"""Database failures a client can simply retry: timeouts and a database that is (for now) gone.

They are expected in operation, so they get a plain message and a one-line log, not a traceback.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

QUERY_CANCELED = "57014"  # PostgreSQL: statement_timeout reached
# Connection exceptions (class 08) and the server shutting down or killing the backend (57P0x).
_UNAVAILABLE_PREFIXES = ("08", "57P01", "57P02", "57P03")


def transient_failure(error: BaseException) -> str | None:
    """What to tell the client when ``error`` is a transient database failure; None otherwise."""
    if isinstance(error, PoolTimeoutError | TimeoutError):
        return "The database did not answer in time; retry shortly"
    if not isinstance(error, DBAPIError):
        return None
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate == QUERY_CANCELED:
        return "The database did not answer in time; retry shortly"
    unavailable = (
        error.connection_invalidated
        or (sqlstate is not None and sqlstate.startswith(_UNAVAILABLE_PREFIXES))
        # A connection that could not even be opened carries no SQLSTATE.
        or (isinstance(error, OperationalError) and sqlstate is None and _cannot_connect(str(error.orig)))
    )
    return "The database is unavailable; retry shortly" if unavailable else None


def _cannot_connect(message: str) -> bool:
    lowered = message.lower()
    return "connection" in lowered or "connect" in lowered or "unable to open database" in lowered
