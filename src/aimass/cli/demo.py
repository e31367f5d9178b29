"""``aimass demo``: generate the demo retailer's exports and truth, serve its campaigns API, and check
what the pipeline found and fixed of the problems the exports plant."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, fail, open_workspace

app = typer.Typer(
    help="The demo retailer: synthetic data with known truth, as messy exports, plus its campaigns API.",
    no_args_is_help=True,
)

PathOption = Annotated[Path, typer.Option("--path", help="Demo folder.")]
#: What the generator owns inside the demo folder: removed first by --force.
_OWNED = ("exports", "truth")


def _check_target(path: Path, force: bool) -> None:
    if path.exists() and not path.is_dir():
        raise fail(f"--path {path} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()):
        if not force:
            raise fail(f"{path} exists and is not empty; pass --force to overwrite it")
        import shutil

        for name in _OWNED:
            if (path / name).is_dir():
                shutil.rmtree(path / name)


@app.command()
def generate(
    customers: Annotated[int, typer.Option("--customers", help="Number of customers (>= 100).")] = 20_000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (>= 0); the same seed writes the same data.")
    ] = 0,
    path: PathOption = Path("demo-workspace"),
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite a non-empty folder (its exports/ and truth/ are replaced)."),
    ] = False,
) -> None:
    """Generate the demo world and write its exports, truth and workspace configuration."""
    import time

    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from aimass.demo import GENERATE_STAGES, generate
    from aimass.exceptions import ConfigError

    if customers < 100:
        raise fail(f"--customers {customers} is too small: it must be >= 100")
    if seed < 0:
        raise fail(f"--seed {seed} is negative: it must be >= 0")
    _check_target(path, force)
    started = time.perf_counter()
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<12}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("starting", total=len(GENERATE_STAGES))
        seen: list[str] = []

        def report(stage: str) -> None:
            bar.update(task, completed=len(seen), description=stage)
            seen.append(stage)

        try:
            world = generate(path, n_customers=customers, seed=seed, progress=report)
        except ConfigError as error:
            raise fail(str(error)) from error
        bar.update(task, completed=len(GENERATE_STAGES), description="done")
    _print_summary(path, world.n_customers, time.perf_counter() - started)


def _rows(file: Path, n_customers: int) -> str:
    """Rows of a written file (header excluded), for the summary."""
    if file.suffix in (".csv", ".jsonl"):
        with file.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        return f"{lines - (file.suffix == '.csv'):,}"
    if file.suffix == ".parquet":
        import pyarrow.parquet as pq

        return f"{pq.ParquetFile(file).metadata.num_rows:,}"
    if file.suffix == ".xlsx":
        return f"{n_customers:,}"
    if file.name == "products.json":
        import json

        return f"{len(json.loads(file.read_text(encoding='utf-8'))):,}"
    return ""


def _print_summary(path: Path, n_customers: int, seconds: float) -> None:
    from rich.table import Table

    table = Table(title=f"demo written to {path} in {seconds:.1f} s")
    table.add_column("file")
    table.add_column("rows", justify="right")
    table.add_column("size", justify="right")
    exports = path / "exports"
    files = [
        exports / name
        for name in ("orders.csv", "customers.xlsx", "events.jsonl", "products.json", "crm.sqlite")
    ]
    files += sorted(p for p in (path / "truth").rglob("*") if p.is_file())
    for file in files:
        if file.is_file():
            table.add_row(str(file.relative_to(path)), _rows(file, n_customers), _size(file.stat().st_size))
    images = list((exports / "images").glob("*.png"))
    table.add_row("exports/images/*.png", f"{len(images):,}", _size(sum(p.stat().st_size for p in images)))
    console.print(table)


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 100_000 else f"{n_bytes / 1e3:.1f} kB"


@app.command()
def api(
    path: PathOption = Path("demo-workspace"),
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
) -> None:
    """Serve the demo retailer's campaigns API (GET /v1/campaigns, GET /health)."""
    from aimass.demo import serve_api

    if not (path / "truth" / "clean" / "campaigns.parquet").is_file():
        raise fail(f"{path} holds no generated demo; run `aimass demo generate --path {path}` first")
    serve_api(path, host=host, port=port)


@app.command()
def check(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """Show what the pipeline found and fixed of the exports' planted problems; exit 1 if any is off.

    Run it after `aimass run --all` on a demo workspace: it compares truth/planted.json with the
    profile reports, the quality results, prepare's figures and the core tables.
    """
    from rich.table import Table

    from aimass.demo import planted_report
    from aimass.exceptions import AimassError

    try:
        with open_workspace(workspace, read_only=True) as ws:
            report = planted_report(ws)
    except AimassError as error:
        raise fail(str(error)) from error
    n_bad = int((~report["ok"]).sum())
    if as_json:
        emit_json(
            {
                "ok": n_bad == 0,
                "rows": [
                    {key: _plain(value) for key, value in row.items()}
                    for row in report.astype(object).to_dict(orient="records")
                ],
            }
        )
    else:
        table = Table(title="planted problems: found and fixed, against the truth")
        for name, justify in (
            ("problem", "left"),
            ("where", "left"),
            ("planted", "right"),
            ("found", "right"),
            ("fixed", "right"),
            ("to fix", "right"),
            ("ok", "center"),
            ("found by", "left"),
        ):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for row in report.itertuples(index=False):
            table.add_row(
                str(row.problem),
                str(row.where),
                _number(row.planted),
                _number(row.found),
                _number(row.fixed),
                _number(row.to_fix),
                "[green]yes[/]" if row.ok else "[bold red]NO[/]",
                str(row.found_by),
            )
        console.print(table)
        verdict = "all planted problems were found and fixed" if n_bad == 0 else f"{n_bad} row(s) not ok"
        console.print(f"{len(report)} checks: {verdict}")
    if n_bad:
        raise typer.Exit(1)


def _number(value: object) -> str:
    import pandas as pd

    return "-" if value is None or pd.isna(value) else f"{int(value):,}"  # type: ignore[call-overload]


def _plain(value: object) -> object:
    """A table cell as JSON: missing as null, numpy scalars as Python numbers."""
    import pandas as pd

    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    item = getattr(value, "item", None)
    return item() if callable(item) else value
