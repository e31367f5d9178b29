"""``aimass ingest``: files, one source of a kind (``sql``, ``http``, ``sftp``, ``web``), or ``--all``.

``aimass ingest FILE_OR_GLOB ...`` loads files (a first word that is not a subcommand is a file);
``aimass ingest sql URL ...`` and the other kinds load one source ad hoc (each kind's command lives
in ``cli/_ingest_<kind>.py``); ``aimass ingest --all`` loads every declared source with a progress
bar and a summary table.
"""

from __future__ import annotations

import importlib
import os
import re
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer import _click as click
from typer.core import TyperGroup

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, fail, open_workspace
from aimass.cli._ingest_common import ModeOption, PrimaryKeyOption, print_result

if TYPE_CHECKING:
    from aimass.ingest._sources import SourceOutcome

__all__ = ["IngestGroup", "app", "register"]

#: The modules that add one subcommand each (``register(group)``), written with their source kind.
KIND_COMMANDS: tuple[str, ...] = (
    "aimass.cli._ingest_sql",
    "aimass.cli._ingest_http",
    "aimass.cli._ingest_sftp",
    "aimass.cli._ingest_web",
)
FILES_COMMAND = "files"
_GROUP_WORDS = ("--all", "--source", "--help", "-h")


class IngestGroup(TyperGroup):
    """A group whose first word, when it is not a subcommand (nor ``--all``), is a file to load."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Send ``aimass ingest a.csv ...`` (and ``aimass ingest -t x a.csv``) to the files command."""
        first = args[0] if args else None
        loads_declared = any(word in args for word in ("--all", "--source", "-s"))
        if (
            first is not None
            and first not in self.commands
            and first not in _GROUP_WORDS
            and not loads_declared
        ):
            args = [FILES_COMMAND, *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The files command first, then the kinds in the order they were added."""
        return list(self.commands)


app = typer.Typer(
    cls=IngestGroup,
    name="ingest",
    help="Load data into raw.*: files (aimass ingest FILE ...), one source (sql, http, sftp, web), or --all.",
    no_args_is_help=True,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _parse_types(pairs: list[str]) -> dict[str, str]:
    types: dict[str, str] = {}
    for pair in pairs:
        column, _, kind = pair.rpartition("=")
        if not column or not kind:
            raise fail(f"--types {pair!r} must look like COLUMN=TYPE, e.g. --types zip=VARCHAR")
        types[column] = kind
    return types


def ingest_files_command(
    files: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE_OR_GLOB", help="A file or a glob (quote it: 'exports/orders_*.csv'), or several."
        ),
    ],
    table: Annotated[
        str | None,
        typer.Option("--table", "-t", "--as", help="Raw table name (default: from the file name)."),
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="csv, tsv, parquet, json, jsonl or excel (default: from the ending)."
        ),
    ] = None,
    mode: ModeOption = "replace",
    primary_key: PrimaryKeyOption = None,
    flatten: Annotated[
        bool,
        typer.Option(
            "--flatten",
            help="JSON/JSONL: nested objects become parent__child columns, lists child tables.",
        ),
    ] = False,
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
    """Load files (CSV, TSV, Parquet, JSON, JSON Lines, Excel) into raw.<table>, with lineage.

    The word ``files`` may be left out: ``aimass ingest exports/orders.csv``.
    """
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
    # Local paths are relative to here, not to the workspace; URLs (file://, memory://, ...) stay as given.
    paths = [path if _URL.match(path) else os.path.abspath(os.path.expanduser(path)) for path in files]
    status: AbstractContextManager[object] = (
        nullcontext() if as_json else console.status(f"loading {' '.join(files)}")
    )
    if flatten:
        _ingest_flattened(paths, table, mode, primary_key or [], workspace, as_json)
        return
    with open_workspace(workspace) as ws, status:
        result = ingest_files(
            ws,
            paths,
            table,
            format=file_format,
            mode=mode,
            sheet=sheet,
            options=options,
            primary_key=primary_key or (),
        )
    if as_json:
        emit_json(result.to_dict())
    else:
        print_result(result)


def _ingest_flattened(
    paths: list[str], table: str | None, mode: str, key: list[str], workspace: Path | None, as_json: bool
) -> None:
    from aimass.ingest import load_flattened_file
    from aimass.ingest._load import check_mode

    if len(paths) != 1 or len(key) > 1:
        raise fail("--flatten loads one JSON or JSON Lines file, with at most one --primary-key (its key)")
    with open_workspace(workspace) as ws:
        results = load_flattened_file(ws, paths[0], table, key=key[0] if key else None, mode=check_mode(mode))
    if as_json:
        emit_json([result.to_dict() for result in results.values()])
        return
    for result in results.values():
        print_result(result)


def _outcome_row(outcome: SourceOutcome) -> dict[str, Any]:
    result = outcome.result
    return {
        "source": outcome.source.name,
        "kind": outcome.source.kind,
        "target": outcome.source.target,
        "status": outcome.status,
        "rows": result.rows if result else 0,
        "rows_new": result.rows_new if result else 0,
        "rows_updated": result.rows_updated if result else 0,
        "rows_skipped": result.rows_skipped if result else 0,
        "seconds": outcome.seconds,
        "load_id": result.load_id if result else None,
        "error": None if outcome.error is None else str(outcome.error),
    }


def _print_summary(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title="ingest --all", title_justify="left")
    for column in ("source", "kind", "table", "new", "updated", "skipped", "seconds", "status"):
        right = column in ("new", "updated", "skipped", "seconds")
        table.add_column(column, justify="right" if right else "left")
    for row in rows:
        status = "[green]ok[/]" if row["status"] == "ok" else "[bold red]failed[/]"
        table.add_row(
            row["source"],
            row["kind"],
            row["target"],
            f"{row['rows_new']:,}",
            f"{row['rows_updated']:,}",
            f"{row['rows_skipped']:,}",
            f"{row['seconds']:.2f}",
            status,
        )
    console.print(table)
    for row in rows:
        if row["error"]:
            console.print(f"[bold red]{row['source']}:[/] {row['error']}", highlight=False, soft_wrap=True)


def _ingest_all(names: list[str] | None, workspace: Any, as_json: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from aimass.ingest._sources import DeclaredSource, run_sources

    with open_workspace(workspace) as ws:
        if as_json:
            outcomes = run_sources(ws, names)
        else:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console, transient=True) as bar:
                task = bar.add_task("sources", total=None)

                def progress(event: str, source: DeclaredSource, index: int, total: int) -> None:
                    if event == "start":
                        bar.update(task, total=total, description=f"loading {source.name} ({source.kind})")
                    else:
                        bar.update(task, completed=index + 1)

                outcomes = run_sources(ws, names, progress)
    rows = [_outcome_row(outcome) for outcome in outcomes]
    if as_json:
        emit_json(rows)
    else:
        _print_summary(rows)
    if failed := [row for row in rows if row["status"] != "ok"]:
        raise fail(f"{len(failed)} of {len(rows)} sources failed; the others were loaded")


@app.callback()
def ingest(
    ctx: typer.Context,
    all_sources: Annotated[
        bool, typer.Option("--all", help="Load every source declared in aimass.toml and sources.yaml.")
    ] = False,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", "-s", help="With --all: only this source (name or raw table); repeatable."),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load data into raw.*: files, one source of a kind, or every declared source (--all)."""
    if ctx.invoked_subcommand is not None:
        if all_sources or source:
            raise fail("--all and --source load the declared sources; give them without a subcommand")
        return
    if not all_sources and not source:
        typer.echo(ctx.get_help())
        raise typer.Exit()
    _ingest_all(source or None, workspace, as_json)


app.command(FILES_COMMAND)(ingest_files_command)
for _module in KIND_COMMANDS:
    importlib.import_module(_module).register(app)


def register(root: typer.Typer) -> None:
    """Add the ``ingest`` group."""
    root.add_typer(app, name="ingest")
