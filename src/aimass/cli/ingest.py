"""``aimass ingest``: load local files into a raw table (sources.yaml is loaded by ``aimass run ingest``)."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, fail, open_workspace

if TYPE_CHECKING:
    from aimass.ingest import LoadResult


def _parse_types(pairs: list[str]) -> dict[str, str]:
    types: dict[str, str] = {}
    for pair in pairs:
        column, _, kind = pair.rpartition("=")
        if not column or not kind:
            raise fail(f"--types {pair!r} must look like COLUMN=TYPE, e.g. --types zip=VARCHAR")
        types[column] = kind
    return types


def _print_result(result: LoadResult) -> None:
    from rich.table import Table

    shown = list(result.files[:5]) + (
        [f"... and {len(result.files) - 5} more"] if len(result.files) > 5 else []
    )
    table = Table(show_header=False, title=f"loaded {result.target}", title_justify="left", box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("table", result.target)
    table.add_row("rows", f"{result.rows:,}")
    table.add_row("files" if len(result.files) > 1 else "file", "\n".join(shown))
    table.add_row("seconds", f"{result.seconds:.2f}")
    table.add_row("load id", result.load_id)
    console.print(table)


def ingest(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE_OR_GLOB", help="A file or a glob (quote it: 'exports/orders_*.csv'), or several."
        ),
    ],
    table: Annotated[
        str | None, typer.Option("--table", "-t", help="Raw table name (default: from the file name).")
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="csv, tsv, parquet, json, jsonl or excel (default: from the ending)."
        ),
    ] = None,
    mode: Annotated[
        str, typer.Option(metavar="replace|append", help="Replace the table, or append to it.")
    ] = "replace",
    sheet: Annotated[str | None, typer.Option(help="Excel sheet (default: the first).")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding, e.g. gbk, latin-1, utf-16 (default utf-8).")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV field separator, e.g. ';' or tab (default: detected).")
    ] = None,
    all_varchar: Annotated[
        bool, typer.Option("--all-varchar", help="Read every CSV column as text.")
    ] = False,
    types: Annotated[
        list[str] | None,
        typer.Option("--types", help="Column type override COL=TYPE, e.g. 'Qty=VARCHAR'; repeatable."),
    ] = None,
    text_column: Annotated[
        list[str] | None, typer.Option("--text-column", help="Keep this column as text; repeatable.")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load files (CSV, TSV, Parquet, JSON, JSON Lines, Excel) into raw.<table>, with lineage."""
    from aimass.ingest import ingest_files

    options: dict[str, object] = {"all_varchar": all_varchar} if all_varchar else {}
    if encoding is not None:
        options["encoding"] = encoding
    if delimiter is not None:
        options["delimiter"] = delimiter
    if types:
        options["types"] = _parse_types(types)
    if text_column:
        options["text_columns"] = text_column
    paths = [
        os.path.abspath(os.path.expanduser(path)) for path in files
    ]  # relative to here, not the workspace
    status: AbstractContextManager[object] = (
        nullcontext() if as_json else console.status(f"loading {' '.join(files)}")
    )
    with open_workspace(workspace) as ws, status:
        result = ingest_files(ws, paths, table, format=file_format, mode=mode, sheet=sheet, options=options)
    if as_json:
        emit_json(result.to_dict())
    else:
        _print_result(result)


def register(app: typer.Typer) -> None:
    """Add ``ingest``."""
    app.command("ingest")(ingest)
