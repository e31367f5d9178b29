"""Database failures worded for the user, and whether a retry can help.

Each message names the source (the masked URL and the table or query) and what to do. The
password never appears: URLs are masked and driver messages are scrubbed of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aimass.exceptions import TerminalSourceError, TransientSourceError

__all__ = [
    "bad_query",
    "connect_failed",
    "is_connection_lost",
    "missing_column",
    "missing_table",
    "read_failed",
    "scrub",
]

_AUTH = re.compile(
    r"password authentication failed|access denied|authentication failed|28P01|28000|\b1045\b|"
    r"no password supplied|role .* does not exist",
    re.IGNORECASE,
)
_UNKNOWN_DB = re.compile(
    r"database .* does not exist|unknown database|3D000|\b1049\b|unable to open database file", re.IGNORECASE
)
_LOST = re.compile(
    r"server closed the connection|terminating connection|connection .*(lost|closed|reset|refused)|"
    r"lost connection|gone away|broken pipe|consuming input failed|\b2013\b|\b2006\b|57P01|08006|08003|"
    r"connection already closed|the connection is closed|no connection to the server|couldn't get a result",
    re.IGNORECASE,
)


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every secret replaced by ``***`` and squeezed to one line."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return " ".join(text.split())[:600]


def _said(error: BaseException, secrets: Iterable[str | None]) -> str:
    original = getattr(error, "orig", None) or error
    return scrub(str(original) or type(original).__name__, secrets)


def is_connection_lost(error: BaseException) -> bool:
    """Whether a failure while reading means the connection went away (a retry may help)."""
    if getattr(error, "connection_invalidated", False):
        return True
    return bool(_LOST.search(str(getattr(error, "orig", None) or error)))


def connect_failed(
    label: str, error: BaseException, secrets: Iterable[str | None] = ()
) -> TransientSourceError | TerminalSourceError:
    """The error for a connection that could not be opened.

    Parameters
    ----------
    label : str
        Names the source: the masked URL, and the table or query.
    error : Exception
        What the driver raised.
    secrets : iterable of str
        Values to hide from the driver's message (the password).
    """
    said = _said(error, secrets)
    if _AUTH.search(said):
        return TerminalSourceError(
            f"{label}: the database refused the user name or password ({said}). Fix the credentials "
            "(give the password as ${ENV_VAR} or `secret: NAME`); a retry will not help."
        )
    if _UNKNOWN_DB.search(said):
        return TerminalSourceError(
            f"{label}: the database does not exist or cannot be opened ({said}). Check the database "
            "name (or the SQLite path) in the URL; a retry will not help."
        )
    return TransientSourceError(
        f"{label}: cannot connect to the database server ({said}). Is it running, and are the host "
        "and port right? A retry may help once it is reachable."
    )


def missing_table(label: str, table: str, existing: Iterable[str]) -> TerminalSourceError:
    """The error for a table that is not in the database; lists the tables that are."""
    names = sorted(existing)
    shown = ", ".join(names[:50]) + (f" ... and {len(names) - 50} more" if len(names) > 50 else "")
    return TerminalSourceError(
        f"{label}: there is no table {table!r}; the tables are: {shown or '(none)'}. "
        "Fix the table name (or --schema)."
    )


def missing_column(label: str, role: str, column: str, existing: Iterable[str]) -> TerminalSourceError:
    """The error for a cursor or primary key column that the table or query does not have."""
    return TerminalSourceError(
        f"{label}: the {role} column {column!r} is not in the result; the columns are: {', '.join(existing)}"
    )


def bad_query(label: str, error: BaseException, secrets: Iterable[str | None] = ()) -> TerminalSourceError:
    """The error for SQL the database rejected, with the database's own message."""
    return TerminalSourceError(
        f"{label}: the database rejected the query: {_said(error, secrets)}. Fix the SQL; a retry will "
        "not help."
    )


def read_failed(
    label: str, error: BaseException, secrets: Iterable[str | None] = ()
) -> TransientSourceError | TerminalSourceError:
    """The error for a failure while the rows were being read: lost connection or a rejected query."""
    if is_connection_lost(error):
        return TransientSourceError(
            f"{label}: the connection to the database was lost while reading ({_said(error, secrets)}); "
            "nothing was written. A retry may help."
        )
    return bad_query(label, error, secrets)
