"""What the warehouse holds, for the API and the dashboard: tables, their first rows, recent runs and loads.

Everything goes through the :class:`~aimass.engine.Engine` facade and Ibis expressions, so it
works on any engine.

Examples
--------
>>> import tempfile
>>> import pyarrow as pa
>>> from aimass import Workspace
>>> with Workspace.init(tempfile.mkdtemp()) as workspace:
...     _ = workspace.engine.write_table("raw.orders", pa.table({"id": ["a", "b"]}))
...     [(table.name, table.rows) for table in summarize_tables(workspace.engine)][:3]
[('raw.orders', 2), ('meta.loads', 0), ('meta.models', 0)]
"""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from aimass.engine import SCHEMAS, Engine, parse_table_name
from aimass.server.models import ColumnInfo, Layer, LoadInfo, RunInfo, TableDetail, TableSummary

__all__ = ["describe_table", "json_safe", "recent_loads", "recent_runs", "summarize_tables"]

MAX_ROWS = 1000


def summarize_tables(engine: Engine, layer: Layer | None = None) -> list[TableSummary]:
    """Every table (or those of one layer) with its row count, layer by layer in pipeline order.

    Parameters
    ----------
    engine : Engine
        An open warehouse.
    layer : {"raw", "core", "mart", "meta"}, optional
        Only this layer.

    Returns
    -------
    list of TableSummary
        Ordered raw, core, mart, meta, then by name.
    """
    layers = SCHEMAS if layer is None else (layer,)
    return [
        TableSummary(name=name, layer=cast(Layer, schema), rows=engine.row_count(name))
        for schema in layers
        for name in engine.list_tables(schema=schema)
    ]


def describe_table(engine: Engine, name: str, limit: int = 20) -> TableDetail:
    """The columns, row count and first ``limit`` rows of a table.

    Parameters
    ----------
    engine : Engine
        An open warehouse.
    name : str
        Qualified table name, e.g. ``"core.orders"``.
    limit : int, default 20
        How many first rows, 1 to 1000.

    Returns
    -------
    TableDetail
        The table's description; row values are made JSON-safe by :func:`json_safe`.

    Raises
    ------
    ConfigError
        When ``name`` is not a valid ``schema.table`` name or ``limit`` is out of range.
    TableNotFoundError
        When the table does not exist.
    """
    from aimass.exceptions import ConfigError

    if not 1 <= limit <= MAX_ROWS:
        raise ConfigError(f"`{limit=}` must be between 1 and {MAX_ROWS}")
    qualified = parse_table_name(name)
    columns = engine.columns(str(qualified))
    head = engine.scan(str(qualified)).limit(limit).to_pyarrow().to_pylist()
    return TableDetail(
        name=str(qualified),
        layer=cast(Layer, qualified.schema),
        rows=engine.row_count(str(qualified)),
        columns=[ColumnInfo(name=column, type=kind) for column, kind in columns.items()],
        head=[{key: json_safe(value) for key, value in row.items()} for row in head],
    )


def recent_runs(engine: Engine, limit: int = 50) -> list[RunInfo]:
    """The newest ``limit`` rows of ``meta.runs``, newest first, with their JSON fields parsed."""
    rows = _newest(engine, "meta.runs", limit)
    runs = []
    for row in rows:
        outputs = _parse_json(row.get("outputs"), {})
        outputs = outputs if isinstance(outputs, dict) else {}
        tables = outputs.get("tables")
        warnings = _parse_json(row.get("warnings"), [])
        params = _parse_json(row.get("params"), {})
        runs.append(
            RunInfo(
                run_id=str(row.get("run_id") or ""),
                step=str(row.get("step") or ""),
                status=str(row.get("status") or ""),
                started_at=_utc(row.get("started_at")),
                finished_at=_utc(row.get("finished_at")),
                seconds=_seconds(row.get("started_at"), row.get("finished_at")),
                summary=str(outputs.get("summary") or ""),
                tables=tables if isinstance(tables, dict) else {},
                params=params if isinstance(params, dict) else {"value": params},
                warnings=[str(item) for item in warnings] if isinstance(warnings, list) else [str(warnings)],
                error=row.get("error"),
            )
        )
    return runs


def recent_loads(engine: Engine, limit: int = 50) -> list[LoadInfo]:
    """The newest ``limit`` rows of ``meta.loads``, newest first, with ``details`` parsed."""
    loads = []
    for row in _newest(engine, "meta.loads", limit):
        details = _parse_json(row.get("details"), {})
        loads.append(
            LoadInfo(
                load_id=str(row.get("load_id") or ""),
                source=str(row.get("source") or ""),
                target=str(row.get("target") or ""),
                mode=str(row.get("mode") or ""),
                rows=int(row.get("rows") or 0),
                status=str(row.get("status") or ""),
                started_at=_utc(row.get("started_at")),
                finished_at=_utc(row.get("finished_at")),
                seconds=_seconds(row.get("started_at"), row.get("finished_at")),
                error=row.get("error"),
                details=details if isinstance(details, dict) else {"value": details},
            )
        )
    return loads


def json_safe(value: Any) -> Any:
    """Turn a warehouse value into something JSON can hold without losing its meaning.

    Times become ISO 8601 text, decimals become floats, bytes become base64 text, NaN and
    infinities become None, and lists and mappings are converted item by item.

    Examples
    --------
    >>> from datetime import datetime
    >>> from decimal import Decimal
    >>> json_safe({"at": datetime(2024, 3, 5, 14, 22), "total": Decimal("12.50"), "x": float("nan")})
    {'at': '2024-03-05T14:22:00', 'total': 12.5, 'x': None}
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        # Arrow maps arrive as lists of (key, value) pairs.
        return [json_safe(item) for item in value]
    return str(value)


def _newest(engine: Engine, name: str, limit: int) -> list[dict[str, Any]]:
    from aimass.exceptions import ConfigError

    if not 1 <= limit <= MAX_ROWS:
        raise ConfigError(f"`{limit=}` must be between 1 and {MAX_ROWS}")
    if not engine.exists(name):
        return []
    table = engine.scan(name)
    ordered = table.order_by([table.started_at.desc(), table[table.columns[0]].desc()]).limit(limit)
    return cast(list[dict[str, Any]], ordered.to_pyarrow().to_pylist())


def _parse_json(text: Any, default: Any) -> Any:
    if text is None or text == "":
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _seconds(started: Any, finished: Any) -> float | None:
    if isinstance(started, datetime) and isinstance(finished, datetime):
        return max(0.0, round((finished - started).total_seconds(), 3))
    return None


def _utc(value: Any) -> datetime | None:
    """Meta timestamps are naive UTC; say so, so clients read them right."""
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
