"""SQL types as Arrow types, and rows (or native Arrow batches) as normalized record batches.

The mapping keeps values exact: ``NUMERIC(p, s)`` becomes ``decimal128(p, s)`` (an unbounded
``NUMERIC`` stays text, the only lossless choice), timestamps with a time zone become UTC
``timestamp[us, tz=UTC]``, those without stay naive, JSON and UUID become text, bytes stay bytes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

__all__ = ["arrow_type", "infer_schema", "normalize_native", "rows_to_batch"]

_UTC = pa.timestamp("us", tz="UTC")


def arrow_type(sql_type: Any, dialect: str = "") -> pa.DataType:
    """The Arrow type for a SQLAlchemy column type (text for anything unknown).

    Integers are 64-bit (SQLite's and MySQL's unsigned ``INTEGER`` do not fit 32 bits), except on
    PostgreSQL where ``integer``, ``smallint`` and ``real`` keep their exact widths, as the native
    reader gives them.

    Examples
    --------
    >>> import sqlalchemy as sa
    >>> arrow_type(sa.Numeric(12, 2)), arrow_type(sa.DateTime(timezone=True))
    (Decimal128Type(decimal128(12, 2)), TimestampType(timestamp[us, tz=UTC]))
    """
    import sqlalchemy as sa

    checks: list[tuple[type[Any], pa.DataType]] = [
        (sa.Boolean, pa.bool_()),
        (sa.BigInteger, pa.int64()),
        (sa.Integer, pa.int64()),
        (sa.Date, pa.date32()),
        (sa.Time, pa.time64("us")),
        (sa.Interval, pa.month_day_nano_interval()),
        (sa.JSON, pa.string()),
        (sa.Uuid, pa.string()),
        (sa.Enum, pa.string()),
        (sa.String, pa.string()),
        (sa.LargeBinary, pa.binary()),
        (sa.types._Binary, pa.binary()),
    ]
    if dialect == "postgresql":
        if isinstance(sql_type, sa.SmallInteger):
            return pa.int16()
        if isinstance(sql_type, sa.Integer) and not isinstance(sql_type, sa.BigInteger):
            return pa.int32()
        if isinstance(sql_type, sa.REAL):
            return pa.float32()
    if isinstance(sql_type, sa.DateTime):
        return _UTC if sql_type.timezone else pa.timestamp("us")
    if isinstance(sql_type, sa.Float) or (
        isinstance(sql_type, sa.Numeric) and not getattr(sql_type, "asdecimal", True)
    ):
        return pa.float64()
    if isinstance(sql_type, sa.Numeric):
        return _decimal(sql_type.precision, sql_type.scale)
    for kind, arrow in checks:
        if isinstance(sql_type, kind):
            return arrow
    if type(sql_type).__name__.upper() in ("TINYINT", "MEDIUMINT", "YEAR"):
        return pa.int64()
    return pa.string()


def _decimal(precision: int | None, scale: int | None) -> pa.DataType:
    if not precision:
        return pa.string()
    if precision > 38:
        return pa.decimal256(precision, scale or 0)
    return pa.decimal128(precision, scale or 0)


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _utc(value: Any) -> Any:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    if pa.types.is_string(kind):
        return pa.array([_text(v) for v in values], kind)
    if kind == _UTC:
        return pa.array([_utc(v) for v in values], kind)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        values = [dt.datetime.fromisoformat(v) if isinstance(v, str) else v for v in values]
        if pa.types.is_date(kind):
            values = [v.date() if isinstance(v, dt.datetime) else v for v in values]
    elif pa.types.is_decimal(kind):
        values = [decimal.Decimal(v) if isinstance(v, str | int | float) else v for v in values]
    elif pa.types.is_binary(kind):
        values = [bytes(v) if isinstance(v, bytearray | memoryview) else v for v in values]
    return pa.array(values, kind)


def rows_to_batch(rows: Sequence[Sequence[Any]], schema: pa.Schema) -> pa.RecordBatch:
    """DB-API rows as a record batch of ``schema`` (column by column)."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = [_column(values, field.type) for values, field in zip(columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _inferred(values: Sequence[Any]) -> pa.DataType:
    sample = next((v for v in values if v is not None), None)
    if sample is None or isinstance(sample, dict | list | uuid.UUID | str):
        return pa.string()
    if isinstance(sample, bool):
        return pa.bool_()
    if isinstance(sample, int):
        return pa.int64()
    if isinstance(sample, float):
        return pa.float64()
    if isinstance(sample, decimal.Decimal):
        digits = [v.as_tuple() for v in values if isinstance(v, decimal.Decimal) and v.is_finite()]
        scale = max((-int(d.exponent) for d in digits), default=0)
        return pa.decimal128(38, min(max(scale, 0), 18))
    if isinstance(sample, dt.datetime):
        return _UTC if sample.tzinfo is not None else pa.timestamp("us")
    if isinstance(sample, dt.date):
        return pa.date32()
    if isinstance(sample, dt.time):
        return pa.time64("us")
    if isinstance(sample, bytes | bytearray | memoryview):
        return pa.binary()
    if isinstance(sample, dt.timedelta):
        return pa.duration("us")
    return pa.string()


def infer_schema(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> pa.Schema:
    """The schema of a query's result from its first rows (a column with no values yet is text)."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pa.schema([pa.field(name, _inferred(values)) for name, values in zip(names, columns, strict=True)])


def _native_field(field: pa.Field) -> tuple[pa.DataType, str]:
    """The target type of one column of the native PostgreSQL reader, and how to get there."""
    meta = field.metadata or {}
    pg_type = meta.get(b"POSTGRESQL:type", b"").decode()
    kind = field.type
    if isinstance(kind, pa.BaseExtensionType):
        if pg_type == "numeric":
            typmod = int(meta.get(b"POSTGRESQL:typmod", b"-1"))
            if typmod < 4:
                return pa.string(), "storage"
            precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
            return _decimal(precision, scale), "cast"
        if pg_type == "uuid":
            return pa.string(), "uuid"
        storage = kind.storage_type
        if pa.types.is_string(storage) or pa.types.is_large_string(storage):
            return pa.string(), "storage"
        return storage, "storage"
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        return _UTC, "cast"
    if pa.types.is_large_string(kind):
        return pa.string(), "cast"
    return kind, "keep"


def normalize_native(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch of the native PostgreSQL reader with the same types :func:`arrow_type` gives."""
    arrays: list[pa.Array] = []
    fields: list[pa.Field] = []
    for field, column in zip(batch.schema, batch.columns, strict=True):
        target, how = _native_field(field)
        if how == "storage":
            column = column.storage
            if column.type != target:
                column = column.cast(target)
        elif how == "uuid":
            column = pa.array(
                [None if v is None else str(uuid.UUID(bytes=v)) for v in column.storage.to_pylist()]
            )
        elif how == "cast":
            source = column.storage if isinstance(column.type, pa.BaseExtensionType) else column
            column = source.cast(target)
        arrays.append(column)
        fields.append(pa.field(field.name, target))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))
