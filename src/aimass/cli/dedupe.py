"""``aimass dedupe``: drop exact duplicates or old versions of a key, or list fuzzy customer matches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, fail, open_workspace

if TYPE_CHECKING:
    import pyarrow as pa

    from aimass.prepare._dedupe import DedupeReport


def dedupe_command(
    table: Annotated[str, typer.Argument(help="The table: raw.orders, or orders when one layer has it.")],
    key: Annotated[
        list[str] | None,
        typer.Option("--key", "-k", help="Key column (repeatable); without it whole rows are compared."),
    ] = None,
    order_by: Annotated[
        str | None, typer.Option("--order-by", help="Column that orders the versions of a key.")
    ] = None,
    keep: Annotated[
        str, typer.Option("--keep", help="Keep the first or last version by --order-by.")
    ] = "last",
    out: Annotated[
        str | None,
        typer.Option("--out", "-o", help="Write the deduplicated rows to raw.NAME or core.NAME."),
    ] = None,
    fuzzy: Annotated[bool, typer.Option("--fuzzy", help="List pairs of similar customer records.")] = False,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Record id column for --fuzzy (default: the first column).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name column for --fuzzy.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Email column for --fuzzy.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Phone column for --fuzzy.")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Lowest match score listed.")] = 0.85,
    out_pairs: Annotated[
        str | None, typer.Option("--out-pairs", help="Write the match pairs to mart.NAME.")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find duplicates in a table: exact rows, several versions of a key, or similar customers."""
    from aimass.ingest._export import resolve_table
    from aimass.prepare._dedupe import dedupe_by_key, drop_exact_duplicates, match_customers

    if fuzzy and name is None and email is None and phone is None:
        raise fail("--fuzzy needs columns to compare: --name COL, --email COL and/or --phone COL")
    if keep not in ("first", "last"):
        raise fail(f"--keep must be 'first' or 'last', not {keep!r}")
    if out is not None and not out.startswith(("raw.", "core.")):
        raise fail(f"--out must be raw.NAME or core.NAME, not {out!r}")
    if out_pairs is not None and not out_pairs.startswith("mart."):
        raise fail(f"--out-pairs must be mart.NAME, not {out_pairs!r}")
    read_only = out is None and out_pairs is None
    with open_workspace(workspace, read_only=read_only) as ws:
        engine = ws.engine
        source = resolve_table(engine, table)
        scanned = engine.scan(source)
        if fuzzy:
            identifier = id_column if id_column is not None else scanned.columns[0]
            pairs = match_customers(
                scanned, id_column=identifier, name=name, email=email, phone=phone, threshold=threshold
            )
            if out_pairs is not None:
                engine.write_table(out_pairs, pairs)
            _show_pairs(source, pairs, out_pairs, as_json)
            return
        if key:
            result, report = dedupe_by_key(
                scanned, key, order_by=order_by, keep="first" if keep == "first" else "last"
            )
        else:
            result, report = drop_exact_duplicates(scanned)
        written = engine.write_table(out, result) if out is not None else None
    _show_report(source, report, out, written, as_json)


def _show_report(
    source: str, report: DedupeReport, out: str | None, written: int | None, as_json: bool
) -> None:
    data: dict[str, Any] = {"table": source, **report.to_dict(), "out": out, "rows_written": written}
    if as_json:
        emit_json(data)
        return
    what = "duplicate rows" if report.kind == "exact" else f"old versions of key {', '.join(report.columns)}"
    console.print(
        f"{source}: {report.n_rows_in:,} rows, {report.n_removed:,} {what} "
        f"({report.n_groups_duplicated:,} with several copies), {report.n_rows_out:,} left",
        highlight=False,
        soft_wrap=True,
    )
    for sample in report.samples[:5]:
        copies = sample.get("n_copies")
        values = ", ".join(f"{column}={value}" for column, value in sample.items() if column != "n_copies")
        console.print(f"  {copies}x  {values}", highlight=False, soft_wrap=True, markup=False)
    if len(report.samples) > 5:
        console.print(f"  ... {len(report.samples) - 5} more sample(s) with --json", highlight=False)
    if out is not None:
        console.print(f"wrote {written:,} rows to {out}", highlight=False)
    else:
        console.print("nothing written (pass --out raw.NAME or core.NAME to write the result)")


def _show_pairs(source: str, pairs: pa.Table, out_pairs: str | None, as_json: bool) -> None:
    rows = pairs.to_pylist()
    if as_json:
        emit_json({"table": source, "n_pairs": len(rows), "out_pairs": out_pairs, "pairs": rows})
        return
    if rows:
        from rich.table import Table

        view = Table(title=f"{source}: {len(rows):,} likely duplicate pair(s)")
        for column in pairs.column_names:
            view.add_column(column, overflow="fold")
        for row in rows[:50]:
            view.add_row(*("" if value is None else str(value) for value in row.values()))
        console.print(view)
    else:
        console.print(f"{source}: no pairs of records look like the same customer", highlight=False)
    if out_pairs is not None:
        console.print(f"wrote {len(rows):,} pairs to {out_pairs}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``dedupe``."""
    app.command("dedupe")(dedupe_command)
