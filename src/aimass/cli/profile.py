"""``aimass profile``: profile a warehouse table or a data file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aimass.cli._common import WorkspaceOption, console, open_workspace

__all__ = ["profile_command", "register"]


def profile_command(
    source: Annotated[str, typer.Argument(help="A table (raw.orders; 'orders' means raw.orders) or a file.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the HTML report here.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the profile as JSON here.")] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", help="Profile only the first N rows.", min=1)
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Profile a table or file: types, missing values, distributions, duplicates, correlations, alerts."""
    from aimass.quality import profile
    from aimass.quality._profile_step import write_profile

    if Path(source).is_file():
        found = profile(Path(source), sample=sample)
    else:
        table = source if "." in source else f"raw.{source}"
        with open_workspace(workspace, read_only=True) as ws:
            found = profile(ws, table, sample=sample)
    data = found.to_dict()
    write_profile(data, json_path=json_path, html_path=out)
    _print(data)
    for path in (json_path, out):
        if path is not None:
            console.print(f"wrote {path}")


def _print(data: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(
        f"[bold]{data['source']}[/]: {data['n_rows']:,} rows, {data['n_columns']} columns, "
        f"{data['n_duplicate_rows']:,} duplicate rows",
        highlight=False,
    )
    view = Table()
    for header in ("column", "type", "missing", "distinct", "alerts"):
        view.add_column(header, justify="right" if header in ("missing", "distinct") else "left")
    for name, column in data["columns"].items():
        view.add_row(
            name,
            column["type"],
            f"{column['n_missing']:,} ({column['pct_missing']:.1f}%)",
            f"{column['n_distinct']:,}",
            ", ".join(column["alerts"]),
        )
    console.print(view)
    for alert in data["alerts"]:
        where = alert["column"] or "table"
        console.print(f"[yellow]{alert['kind']}[/] {where}: {alert['detail']}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``aimass profile`` to the application."""
    app.command("profile")(profile_command)
