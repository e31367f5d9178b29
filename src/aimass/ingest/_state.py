"""Incremental state: the last cursor value a source loaded, kept in ``meta.source_state``.

The loader (:func:`aimass.ingest.load_batches`) appends a row there in the same transaction as the
data, so the state can never run ahead of (or behind) what ``raw.*`` holds. The latest row of a
state key is its state; older rows stay as history.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from aimass.engine import utc_now

if TYPE_CHECKING:
    from aimass.engine import Engine

__all__ = ["STATE_TABLE", "encode_cursor", "read_state", "read_states", "state_row"]

STATE_TABLE = "meta.source_state"


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"a cursor value of type {type(value).__name__} cannot be stored")


def encode_cursor(value: Any) -> str:
    """A cursor value as the JSON text stored in ``meta.source_state.cursor_value``.

    Dates and times become ISO 8601 text, decimals text, so :func:`read_state` returns them as
    strings (which compare correctly against the column in SQL).

    Examples
    --------
    >>> encode_cursor(41), encode_cursor(dt.datetime(2024, 5, 1, 12, 30))
    ('41', '"2024-05-01T12:30:00"')
    """
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def state_row(state_key: str, cursor_column: str, value: Any, load_id: str) -> pa.Table:
    """One ``meta.source_state`` row."""
    from aimass.engine import META_TABLES

    row = {
        "state_key": state_key,
        "cursor_column": cursor_column,
        "cursor_value": encode_cursor(value),
        "updated_at": utc_now(),
        "load_id": load_id,
    }
    return pa.Table.from_pylist([row], schema=META_TABLES["source_state"])


def read_states(engine: Engine) -> dict[str, dict[str, Any]]:
    """The latest state of every key.

    Returns
    -------
    dict
        ``{state_key: {"cursor_column", "cursor_value", "updated_at", "load_id"}}``.
    """
    if not engine.exists(STATE_TABLE):
        return {}
    rows = engine.read_arrow(STATE_TABLE).to_pylist()
    latest: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda item: (item["updated_at"] or dt.datetime.min, item["load_id"] or "")):
        latest[row["state_key"]] = {
            "cursor_column": row["cursor_column"],
            "cursor_value": json.loads(row["cursor_value"]) if row["cursor_value"] is not None else None,
            "updated_at": row["updated_at"],
            "load_id": row["load_id"],
        }
    return latest


def read_state(engine: Engine, state_key: str) -> Any | None:
    """The last cursor value stored for ``state_key`` (JSON-decoded), or None when there is none.

    Parameters
    ----------
    engine : Engine
        The warehouse.
    state_key : str
        The key the loader stored it under (``state_key=`` of ``load_batches``; the source by default).

    Returns
    -------
    object or None
        An int, float or str (dates and times as ISO 8601 text), or None before the first load.
    """
    if not engine.exists(STATE_TABLE):
        return None
    import ibis

    from aimass.ingest._secrets import mask

    state_key = mask(state_key)  # stored masked: a source URL may hold a password
    table = engine.scan(STATE_TABLE)
    found = (
        table.filter(table.state_key == state_key)
        .order_by([ibis.desc("updated_at"), ibis.desc("load_id")])
        .limit(1)
        .select("cursor_value")
        .to_pyarrow()
        .to_pylist()
    )
    if not found or found[0]["cursor_value"] is None:
        return None
    return json.loads(found[0]["cursor_value"])
