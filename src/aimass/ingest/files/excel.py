"""Excel workbooks (``.xlsx``, ``.xls``, ``.xlsb``, ``.ods``) read with python-calamine into Arrow.

Cells are typed in a workbook, so each column gets the type its cells share: numbers (whole
numbers become int64), booleans, dates, timestamps or text. A column whose cells mix types, and
every identifier column (see :func:`~aimass.ingest.files.sniff.identifier_columns`), is text;
whole numbers in a text column are written without ``.0``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest.files.sniff import identifier_columns, reader_names

__all__ = ["read_excel"]

_MAX_EXACT_INT = 2**53


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < _MAX_EXACT_INT:
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _column(values: list[Any], force_text: bool) -> pa.Array:
    """One column as Arrow, typed by what its non-blank cells share."""
    cells = [None if _is_blank(value) else value for value in values]
    kinds = {type(value) for value in cells if value is not None}
    if not force_text:
        if kinds == {bool}:
            return pa.array(cells, pa.bool_())
        if kinds and kinds <= {int, float}:
            numbers = [value for value in cells if value is not None]
            if all(float(value).is_integer() and abs(value) < _MAX_EXACT_INT for value in numbers):
                return pa.array([None if v is None else int(v) for v in cells], pa.int64())
            return pa.array(cells, pa.float64())
        if kinds == {dt.datetime} or kinds == {dt.datetime, dt.date}:
            return pa.array(
                [
                    v if v is None or isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
                    for v in cells
                ],
                pa.timestamp("us"),
            )
        if kinds == {dt.date}:
            return pa.array(cells, pa.date32())
    return pa.array([None if value is None else _as_text(value) for value in cells], pa.string())


def _sheet_rows(path: Path, sheet: str | None) -> list[list[Any]]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own hierarchy (ZipError, XmlError, CalamineError)
        raise TerminalSourceError(
            f"{path} is not a readable Excel workbook (corrupt, truncated or another format): {error}"
        ) from None
    names = list(workbook.sheet_names)
    if not names:
        raise TerminalSourceError(f"{path} has no sheets; nothing to load")
    chosen = names[0] if sheet is None else sheet
    if chosen not in names:
        raise ConfigError(f"{path} has no sheet {sheet!r}; its sheets are {', '.join(map(repr, names))}")
    try:
        rows: list[list[Any]] = workbook.get_sheet_by_name(chosen).to_python()
    except Exception as error:
        raise TerminalSourceError(f"sheet {chosen!r} of {path} cannot be read (corrupt?): {error}") from None
    return [row for row in rows if not all(_is_blank(value) for value in row)]


def read_excel(path: Path, sheet: str | None = None, *, detect_text_columns: bool = True) -> pa.Table:
    """Read one sheet (the first when ``sheet`` is None) into an Arrow table; row 1 holds the names.

    Parameters
    ----------
    path : Path
        The workbook.
    sheet : str, optional
        The sheet's name.
    detect_text_columns : bool, default True
        Keep identifier columns as text.

    Returns
    -------
    pyarrow.Table

    Raises
    ------
    TerminalSourceError
        When the workbook cannot be read, or the sheet is empty or holds only a header.
    ConfigError
        When ``sheet`` does not exist (the message lists the sheets).
    """
    rows = _sheet_rows(path, sheet)
    where = f"sheet {sheet!r} of {path}" if sheet else f"the first sheet of {path}"
    if not rows:
        raise TerminalSourceError(f"{where} is empty; nothing to load")
    header, body = rows[0], rows[1:]
    if not body:
        shown = ", ".join(_as_text(value) for value in header if not _is_blank(value))
        raise TerminalSourceError(f"{where} holds only a header ({shown}) and no data rows; nothing to load")
    names = reader_names([_as_text(value) if not _is_blank(value) else "" for value in header], len(header))
    text_sample: Sequence[Sequence[str]] = [
        [_as_text(v) if isinstance(v, str) else "" for v in row] for row in body[:2000]
    ]
    forced = set(identifier_columns(names, text_sample)) if detect_text_columns else set()
    columns = {
        name: _column([row[index] for row in body], name in forced) for index, name in enumerate(names)
    }
    return pa.table(columns)
