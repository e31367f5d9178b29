"""What a load returns, and the schema hash recorded with it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["LoadResult", "schema_hash"]


def schema_hash(columns: Iterable[tuple[str, str]]) -> str:
    """The sha256 of an ordered ``(column, type)`` list, as hex.

    Two loads with the same columns, in the same order and of the same types, have the same hash;
    a renamed, added, moved or retyped column changes it.

    Examples
    --------
    >>> schema_hash([("id", "string"), ("qty", "int64")])[:12]
    '02ac8f182883'
    >>> schema_hash([("qty", "int64"), ("id", "string")]) == schema_hash([("id", "string"), ("qty", "int64")])
    False
    """
    text = json.dumps([[name, kind] for name, kind in columns], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoadResult:
    """One source landed in one raw table.

    Parameters
    ----------
    target : str
        The table written, e.g. ``"raw.orders"``.
    rows : int
        Rows loaded by this load (in append mode, not the table's total).
    files : tuple of str
        The files (or URLs) read.
    load_id : str
        The id in ``meta.loads`` and in the rows' ``_load_id`` column.
    schema_hash : str
        :func:`schema_hash` of the loaded columns (the lineage columns left out).
    seconds : float
        Wall time of the load.
    rows_new : int
        Rows whose key was not in the table before (every row for replace and append).
    rows_updated : int
        Rows that replaced a row with the same primary key (merge).
    rows_skipped : int
        Rows not written: earlier versions of a key in the same load (merge), files already loaded.
    source : str
        What was loaded (secrets masked), as in ``meta.loads.source``.
    """

    target: str
    rows: int
    files: tuple[str, ...]
    load_id: str
    schema_hash: str
    seconds: float
    rows_new: int = 0
    rows_updated: int = 0
    rows_skipped: int = 0
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready values."""
        data = asdict(self)
        data["files"] = list(self.files)
        return data
