"""``aimass recommend``: train, evaluate and query recommenders."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, fail, open_workspace

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["app"]

app = typer.Typer(
    help="Recommendations: evaluate models, train, and list recommendations.", no_args_is_help=True
)


@app.command("evaluate")
def evaluate_command(
    models: Annotated[
        str,
        typer.Option("--models", "-m", help="Comma-separated model names, e.g. popular,itemknn,ease,auto."),
    ] = "popular,itemknn,ease",
    split: Annotated[
        str, typer.Option("--split", help="last_n, last_fraction, global_time or random.")
    ] = "last_n",
    k: Annotated[int, typer.Option("--k", "-k", help="List length the metrics are cut at.", min=1)] = 10,
    n: Annotated[int, typer.Option("--n", help="Interactions held out per customer (last_n).", min=1)] = 1,
    fraction: Annotated[
        float, typer.Option("--fraction", help="Share held out (last_fraction, random).")
    ] = 0.2,
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="Split time for global_time (default: 80% quantile).")
    ] = None,
    relevant: Annotated[
        str | None,
        typer.Option("--relevant", help="Count only held-out events of these types, e.g. purchase."),
    ] = None,
    sampled_negatives: Annotated[
        int | None,
        typer.Option(
            "--sampled-negatives", help="Also report sampled_* metrics against N sampled negatives.", min=1
        ),
    ] = None,
    random_state: Annotated[int, typer.Option("--random-state", help="Seed.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write an HTML report here.")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare recommenders on a held-out split of orders + events; writes mart.recommend_evaluation."""
    from aimass.recommend._evaluate import evaluate_workspace, evaluation_html

    names = [name.strip() for name in models.split(",") if name.strip()]
    if not names:
        raise fail("`--models` is empty; name at least one model, e.g. --models popular,ease")
    event_types = [t.strip() for t in relevant.split(",") if t.strip()] if relevant else None
    with open_workspace(workspace) as ws:
        result = evaluate_workspace(
            ws,
            names,
            split=split,
            k=k,
            sampled_negatives=sampled_negatives,
            random_state=random_state,
            n=n,
            fraction=fraction,
            cutoff=cutoff,
            relevant_event_types=event_types,
        )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(evaluation_html(result), encoding="utf-8")
    if as_json:
        emit_json(result.to_dict())
        return
    console.print(
        f"[bold]recommend evaluate[/]: {result.split} split, k={result.k}, {result.n_customers:,} customers, "
        f"{result.n_test:,} held-out items; wrote mart.recommend_evaluation",
        highlight=False,
    )
    _print_table(_compact(result.table, result.k))
    if result.sampled_negatives is not None:
        console.print(
            f"sampled_* columns: held-out item vs {result.sampled_negatives} sampled negatives (optimistic).",
            highlight=False,
        )
    if out is not None:
        console.print(f"wrote {out}")


@app.command("show")
def show_command(
    customer_id: Annotated[str, typer.Argument(help="The customer whose recommendations to list.")],
    n: Annotated[int, typer.Option("-n", "--n", help="How many rows to show.", min=1)] = 10,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a customer's rows of mart.recommendations (written by the recommend step)."""
    with open_workspace(workspace, read_only=True) as ws:
        if not ws.engine.exists("mart.recommendations"):
            raise fail("no mart.recommendations yet; run `aimass run recommend` (or `aimass demo`) first")
        table = ws.engine.scan("mart.recommendations")
        rows = table.filter(table.customer_id == customer_id)
        if "rank" in table.columns:
            rows = rows.order_by("rank")
        frame = rows.limit(n).to_pyarrow().to_pandas()
    if frame.empty:
        raise fail(f"customer {customer_id!r} has no rows in mart.recommendations")
    if as_json:
        emit_json(frame.to_dict("records"))
        return
    _print_table(frame)


def _compact(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """The main columns with short headers, to fit a terminal (all of them are in --json and the mart)."""
    short = {
        f"ndcg@{k}": f"ndcg@{k}",
        f"recall@{k}": "recall",
        f"map@{k}": "map",
        f"hit_rate@{k}": "hit",
        "coverage": "cover",
        "novelty": "novel",
        "fit_seconds": "fit s",
        "customers_per_second": "cust/s",
        f"sampled_hit_rate@{k}": "s_hit",
        f"sampled_ndcg@{k}": "s_ndcg",
    }
    columns = ["model", *(c for c in short if c in table.columns)]
    compact = table[columns].rename(columns=short)
    speed = compact["cust/s"].replace([float("inf")], float("nan")).round()
    compact["cust/s"] = [None if value != value else int(value) for value in speed]  # NaN -> None
    return compact


def _print_table(frame: pd.DataFrame) -> None:
    import pandas as pd
    from rich.table import Table

    from aimass.report._charts import format_number

    view = Table()
    for column in frame.columns:
        text = not pd.api.types.is_numeric_dtype(frame[column])
        view.add_column(str(column), justify="left" if text else "right", no_wrap=text)
    for row in frame.itertuples(index=False):
        view.add_row(*(format_number(_plain(value), digits=3) for value in row))
    console.print(view)


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str) else value
