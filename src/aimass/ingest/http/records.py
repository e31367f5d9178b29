"""JSON records as Arrow: nested objects become ``parent__child`` columns, lists JSON text.

:func:`page_to_arrow` is the fast path the source uses for each page: Arrow infers one struct type
over all the page's records (in C++), the struct columns are split into ``parent__child`` columns
and list columns are written as JSON text from the original values. When Arrow cannot type a
field (an ``id`` that is a number in one record and text in another), it falls back to
:func:`flatten_record` + :func:`records_to_arrow`, which keep such a column as text. Both give the
same columns and values for the same records (except that a field which is null in some records
and an object in others gives only its ``parent__child`` columns here, not also an all-null
``parent`` column).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["SEPARATOR", "flatten_record", "page_to_arrow", "records_to_arrow"]

#: Joins the parts of a nested name: ``offer__type``.
SEPARATOR = "__"


def flatten_record(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become ``parent__child`` keys; lists become JSON text.

    Examples
    --------
    >>> flatten_record({"id": 1, "offer": {"type": "pct", "value": 10}, "tags": ["a"]})
    {'id': 1, 'offer__type': 'pct', 'offer__value': 10, 'tags': '["a"]'}
    """
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_record(value, f"{name}{SEPARATOR}"))
        elif isinstance(value, list):
            flat[name] = json.dumps(value, ensure_ascii=False)
        else:
            flat[name] = value
    return flat


def _column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # mixed types: every value, as text
        return pa.array(
            [None if v is None else v if isinstance(v, str) else json.dumps(v) for v in values], pa.string()
        )


def records_to_arrow(records: list[dict[str, Any]]) -> pa.Table:
    """Flat records (keys may differ between them) as an Arrow table, columns in first-seen order."""
    names = list(dict.fromkeys(key for record in records for key in record))
    return pa.table({name: _column([record.get(name) for record in records]) for name in names})


class _NameClashError(Exception):
    """Two fields flatten to the same column name."""


def _is_list(kind: pa.DataType) -> bool:
    return bool(pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind))


def _value_at(record: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    found: Any = record
    for part in path:
        if not isinstance(found, Mapping):
            return None
        found = found.get(part)
    return found


def _split(
    records: list[dict[str, Any]], path: tuple[str, ...], column: pa.Array, out: dict[str, pa.Array]
) -> None:
    kind = column.type
    if pa.types.is_struct(kind):
        if kind.num_fields == 0 and path:  # an empty object: no columns, as in flatten_record
            return
        for index in range(kind.num_fields):
            child = pc.struct_field(column, [index])  # nulls of the parent carried into the child
            _split(records, (*path, kind.field(index).name), child, out)
        return
    name = SEPARATOR.join(path)
    if name in out:  # ``a__b`` next to ``a: {b: ...}``: let the record-by-record path decide
        raise _NameClashError(name)
    if _is_list(kind):
        values = [_value_at(record, path) for record in records]
        texts = [json.dumps(v, ensure_ascii=False) if isinstance(v, list) else None for v in values]
        out[name] = pa.array(texts, pa.string())
    else:
        out[name] = column


def page_to_arrow(records: list[dict[str, Any]]) -> pa.Table:
    """JSON objects (as sent, unflattened) as one flat Arrow table, columns in first-seen order.

    Examples
    --------
    >>> page_to_arrow([{"id": 1, "offer": {"type": "pct"}, "tags": ["a"]}, {"id": 2}]).to_pylist()
    [{'id': 1, 'offer__type': 'pct', 'tags': '["a"]'}, {'id': 2, 'offer__type': None, 'tags': None}]
    """
    try:
        array = pa.array(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return records_to_arrow([flatten_record(record) for record in records])
    out: dict[str, pa.Array] = {}
    if isinstance(array, pa.StructArray):
        if array.null_count:  # a null record cannot happen (they are checked to be objects)
            return records_to_arrow([flatten_record(record) for record in records])
        try:
            _split(records, (), array, out)
        except _NameClashError:
            return records_to_arrow([flatten_record(record) for record in records])
    return pa.table(out)
