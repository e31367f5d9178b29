"""Tables written back out as documents or files: JSON Lines, JSON, Markdown, CSV and Parquet.

:func:`export_table` streams the table from the engine in Arrow batches (never the whole table in
memory), writes to a temporary file beside the target and moves it into place at the end, so a
failed export leaves no half-written file. Timestamps are written as ISO 8601 text in the text
formats (``2024-03-05T14:22:01``, with ``Z`` when the column is in UTC) and as microseconds in
Parquet.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from aimass.engine import SCHEMAS, parse_table_name
from aimass.exceptions import ConfigError, TableNotFoundError

if TYPE_CHECKING:
    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = ["EXPORT_FORMATS", "ExportFormat", "ExportResult", "export_table", "resolve_table"]

ExportFormat = Literal["jsonl", "json", "markdown", "csv", "parquet"]
#: The formats :func:`export_table` writes, with their usual file ending.
EXPORT_FORMATS: dict[ExportFormat, str] = {
    "jsonl": ".jsonl",
    "json": ".json",
    "markdown": ".md",
    "csv": ".csv",
    "parquet": ".parquet",
}
_BATCH_ROWS = 65_536


@dataclass(frozen=True)
class ExportResult:
    """One table written to one file.

    Parameters
    ----------
    table : str
        The qualified table exported, e.g. ``"core.orders"``.
    path : str
        The file written.
    format : str
        One of :data:`EXPORT_FORMATS`.
    rows : int
        Rows written.
    columns : tuple of str
        Columns written, in order.
    bytes : int
        Size of the file.
    seconds : float
        Wall time.
    """

    table: str
    path: str
    format: str
    rows: int
    columns: tuple[str, ...]
    bytes: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready values."""
        data = asdict(self)
        data["columns"] = list(self.columns)
        return data


def resolve_table(engine: Engine, name: str) -> str:
    """The qualified name of ``name``: as given when qualified, else the one layer that has it.

    Raises
    ------
    TableNotFoundError
        When no layer (or not the named one) has the table; the message lists the tables there are.
    ConfigError
        When an unqualified name exists in several layers.
    """
    if "." in name:
        qualified = str(parse_table_name(name))
        if not engine.exists(qualified):
            schema = qualified.split(".", 1)[0]
            known = ", ".join(engine.list_tables(schema=schema)) or "none"
            raise TableNotFoundError(f"table {qualified} does not exist (tables in {schema}: {known})")
        return qualified
    found = [f"{schema}.{name}" for schema in SCHEMAS if engine.exists(f"{schema}.{name}")]
    if len(found) > 1:
        raise ConfigError(f"table {name!r} is in several layers ({', '.join(found)}); name one of them")
    if not found:
        known = ", ".join(t for t in engine.list_tables() if not t.startswith("meta.")) or "none"
        raise TableNotFoundError(f"table {name!r} does not exist in any layer (tables: {known})")
    return found[0]


def _check_format(format: str) -> ExportFormat:
    for allowed in EXPORT_FORMATS:
        if format == allowed:
            return allowed
    raise ConfigError(f"format={format!r} is not allowed; use one of {', '.join(EXPORT_FORMATS)}")


def _iso_column(values: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Timestamps as ISO 8601 text (fractions of a second only where there are some), dates as text."""
    kind = values.type
    if pa.types.is_timestamp(kind):
        utc = kind.tz is not None
        if utc:
            values = values.cast(pa.timestamp(kind.unit, "UTC"))
        text = pc.strftime(values, format="%Y-%m-%dT%H:%M:%S")
        text = pc.replace_substring_regex(text, pattern=r"(\.\d*?)0+$", replacement=r"\1")
        text = pc.replace_substring_regex(text, pattern=r"\.$", replacement="")
        return pc.binary_join_element_wise(text, "Z", "") if utc else text
    if pa.types.is_date(kind) or pa.types.is_time(kind):
        return values.cast(pa.string())
    return values


def _nested_as_json(values: pa.Array) -> pa.Array:
    """Structs, lists and maps as JSON text, for CSV (which has no nested values)."""
    kind = values.type
    if not (pa.types.is_nested(kind) or pa.types.is_map(kind)):
        return values
    texts = [
        None if value is None else json.dumps(value, ensure_ascii=False, default=_json_default)
        for value in _text_values(values).to_pylist()
    ]
    return pa.array(texts, pa.string())


def _text_values(values: pa.Array) -> pa.Array:
    """``values`` with the timestamps and dates inside nested values as ISO text too."""
    kind = values.type
    if pa.types.is_struct(kind):
        fields = [_text_values(values.field(i)) for i in range(kind.num_fields)]
        return pa.StructArray.from_arrays(
            fields, names=[f.name for f in kind], mask=values.is_null() if values.null_count else None
        )
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        inner = _text_values(values.values)
        if inner.type == kind.value_type:
            return values
        mask = values.is_null() if values.null_count else None
        maker = pa.ListArray if pa.types.is_list(kind) else pa.LargeListArray
        listed: pa.Array = maker.from_arrays(values.offsets, inner, mask=mask)
        return listed
    result: pa.Array = _iso_column(values)
    return result


def _text_batch(batch: pa.RecordBatch, *, flat: bool = False) -> pa.RecordBatch:
    columns = [_text_values(c) for c in batch.columns]
    if flat:
        columns = [_nested_as_json(c) for c in columns]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return str(value)


def _json_rows(batch: pa.RecordBatch) -> Iterator[str]:
    for row in _text_batch(batch).to_pylist():
        yield json.dumps(row, ensure_ascii=False, default=_json_default)


def _markdown_cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=_json_default)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def _write_text(
    out: IO[str], batches: Iterator[pa.RecordBatch], format: ExportFormat, names: list[str]
) -> int:
    rows = 0
    if format == "json":
        out.write("[")
    if format == "markdown":
        out.write("| " + " | ".join(_markdown_cell(n) for n in names) + " |\n")
        out.write("|" + "|".join("---" for _ in names) + "|\n")
    for batch in batches:
        if format == "markdown":
            for row in _text_batch(batch).to_pylist():
                out.write("| " + " | ".join(_markdown_cell(row[n]) for n in names) + " |\n")
        else:
            for line in _json_rows(batch):
                if format == "json":
                    out.write(",\n" if rows else "\n")
                out.write(line)
                if format == "jsonl":
                    out.write("\n")
                rows += 1
            continue
        rows += batch.num_rows
    if format == "json":
        out.write("\n]\n" if rows else "]\n")
    return rows


def _write_arrow(
    path: Path, batches: Iterator[pa.RecordBatch], format: ExportFormat, schema: pa.Schema
) -> int:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rows = 0
    if format == "parquet":
        with pq.ParquetWriter(
            path, schema, coerce_timestamps="us", allow_truncated_timestamps=True
        ) as parquet:
            for batch in batches:
                parquet.write_batch(batch)
                rows += batch.num_rows
        return rows
    csv_schema = _text_batch(_empty(schema), flat=True).schema
    with pacsv.CSVWriter(path, csv_schema) as writer:
        for batch in batches:
            writer.write_batch(_text_batch(batch, flat=True))
            rows += batch.num_rows
    return rows


def _empty(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array([], f.type) for f in schema], schema=schema)


def export_table(
    engine: Engine | Workspace,
    name: str,
    path: str | Path,
    format: ExportFormat | str,
    *,
    columns: Sequence[str] | None = None,
    limit: int | None = None,
    force: bool = False,
) -> ExportResult:
    """Write a warehouse table to a file, streaming it in batches.

    Parameters
    ----------
    engine : Engine or Workspace
        The warehouse to read.
    name : str
        The table, ``core.orders``, or ``orders`` when only one layer has it.
    path : str or pathlib.Path
        The file to write (its folder is created).
    format : {"jsonl", "json", "markdown", "csv", "parquet"}
        JSON Lines (one object per line), JSON (one array), a Markdown table (pipes escaped,
        line breaks as ``<br>``), CSV with a header, or Parquet.
    columns : sequence of str, optional
        Only these columns, in this order.
    limit : int, optional
        Only the first ``limit`` rows.
    force : bool, default False
        Overwrite ``path`` when it exists.

    Returns
    -------
    ExportResult

    Raises
    ------
    ConfigError
        When the format is unknown (the message lists the allowed ones), a column is not in the
        table, ``limit`` is negative, or ``path`` exists and ``force`` is not set.
    TableNotFoundError
        When the table does not exist (the message lists the tables there are).
    """
    from aimass.ingest._load import engine_and_root

    started = time.perf_counter()
    warehouse, _ = engine_and_root(engine)
    kind = _check_format(format)
    if limit is not None and limit < 0:
        raise ConfigError(f"limit={limit} must be >= 0")
    target = Path(path)
    if target.exists() and not force:
        raise ConfigError(f"{target} exists; pass force=True (--force) to overwrite it")
    qualified = resolve_table(warehouse, name)
    table = warehouse.scan(qualified)
    if columns is not None:
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise ConfigError(
                f"columns {missing} are not in {qualified}; its columns: {', '.join(table.columns)}"
            )
        table = table.select(*columns)
    if limit is not None:
        table = table.limit(limit)
    reader = table.to_pyarrow_batches(chunk_size=_BATCH_ROWS)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    try:
        if kind in ("csv", "parquet"):
            rows = _write_arrow(Path(temporary), iter(reader), kind, reader.schema)
        else:
            with open(temporary, "w", encoding="utf-8", newline="\n") as out:
                rows = _write_text(out, iter(reader), kind, list(reader.schema.names))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return ExportResult(
        table=qualified,
        path=str(target),
        format=kind,
        rows=rows,
        columns=tuple(reader.schema.names),
        bytes=target.stat().st_size,
        seconds=round(time.perf_counter() - started, 3),
    )
