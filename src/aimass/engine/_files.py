"""What the ingest layer asks an engine to read natively: files of one format into one table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aimass._typing import FileFormat

__all__ = ["LINEAGE_COLUMNS", "FileReadRequest", "Lineage"]

#: Columns every raw table gets, so each row can be traced to its load and file.
LINEAGE_COLUMNS: tuple[str, ...] = ("_load_id", "_source_file", "_loaded_at")


@dataclass(frozen=True)
class Lineage:
    """Values written into the lineage columns of every loaded row."""

    load_id: str
    loaded_at: str  # ISO timestamp, UTC


@dataclass(frozen=True)
class FileReadRequest:
    """Files of one format to land in one raw table with the engine's native reader.

    Parameters
    ----------
    paths : tuple of Path
        The files (already expanded from globs, all of ``format``).
    format : {"csv", "tsv", "parquet", "json", "jsonl"}
        The format; Excel is read outside the engine and passed as Arrow.
    delimiter : str, optional
        Field separator for CSV (sniffed when omitted).
    header : bool, default True
        Whether CSV files have a header row.
    encoding : str, default "utf-8"
        Text encoding of CSV/JSON files.
    all_varchar : bool, default False
        Read every CSV column as text.
    types : dict of str to str
        Column type overrides, e.g. ``{"zip": "VARCHAR"}``.
    text_columns : tuple of str
        Columns forced to text (identifiers whose leading zeros must survive).
    source_names : tuple of str
        What ``_source_file`` says for each path, in order (the URL a downloaded copy came from);
        the paths themselves when empty.
    """

    paths: tuple[Path, ...]
    format: FileFormat
    delimiter: str | None = None
    header: bool = True
    encoding: str = "utf-8"
    all_varchar: bool = False
    types: dict[str, str] = field(default_factory=dict)
    text_columns: tuple[str, ...] = ()
    source_names: tuple[str, ...] = ()
