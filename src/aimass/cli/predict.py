"""``aimass predict``: fit a model to any table's target column and report it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, fail, open_workspace

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["predict_command", "register"]

_FILE_SUFFIXES = (".csv", ".parquet", ".pq", ".tsv")


def _read_file(path: Path) -> pd.DataFrame:
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix in (".csv", ".tsv"):
        return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    raise fail(f"cannot read {path}: use a .csv, .tsv or .parquet file, or a warehouse table")


def _table_name(source: str, schemas: tuple[str, ...], exists: Any) -> str:
    if "." in source:
        return source
    for schema in schemas:
        if exists(f"{schema}.{source}"):
            return f"{schema}.{source}"
    raise fail(f"there is no table {source!r} in {', '.join(schemas)}; give schema.table or a file path")


def predict_command(
    source: Annotated[
        str,
        typer.Argument(
            help="A warehouse table (mart.x, core.orders; a bare name looks in mart, core, raw) "
            "or a CSV/Parquet file."
        ),
    ],
    target: Annotated[str, typer.Option("--target", "-t", help="The column to predict.")],
    task: Annotated[
        str, typer.Option("--task", help="auto (default), classification or regression.")
    ] = "auto",
    folds: Annotated[int, typer.Option("--folds", min=2, max=20, help="Cross-validation folds.")] = 5,
    tuning: Annotated[
        str, typer.Option("--tuning", help="small (default: a few tree shapes by inner CV) or none.")
    ] = "small",
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help="Write predictions to a table (schema.table; a bare name goes to mart) "
            "or a .csv/.parquet file.",
        ),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fit a tuned gradient-boosting model to TABLE's --target column, print its cross-validated scores
    and top features, and optionally write predictions (out-of-fold for labelled rows)."""
    import warnings

    from aimass.analytics.churn import TabularModel
    from aimass.exceptions import AimassError

    if task not in ("auto", "classification", "regression"):
        raise fail(f"--task {task!r} is not allowed; use auto, classification or regression")
    if tuning not in ("small", "none"):
        raise fail(f"--tuning {tuning!r} is not allowed; use small or none")
    out_is_file = out is not None and out.lower().endswith(_FILE_SUFFIXES)
    out_table = None if out is None or out_is_file else (out if "." in out else f"mart.{out}")
    source_is_file = Path(source).is_file()
    if source_is_file:
        frame = _read_file(Path(source))
        shown = source
    else:
        with open_workspace(workspace, read_only=True) as ws:
            shown = _table_name(source, ("mart", "core", "raw"), ws.engine.exists)
            frame = ws.engine.read_pandas(shown)
    model = TabularModel(target=target, task=task, tuning=tuning)  # type: ignore[arg-type]
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            report = model.cross_validate(frame, n_splits=folds)
            if out is not None:
                model.fit(frame)
        except AimassError as error:
            raise fail(str(error)) from None
    for warning in caught:
        text = str(warning.message)
        if issubclass(warning.category, UserWarning) and text not in notes:
            notes.append(text)
    written = 0
    if out is not None:
        predictions = _predictions(model, frame, report.predictions)
        if out_is_file:
            path = Path(out)
            if path.suffix.lower() in (".parquet", ".pq"):
                predictions.to_parquet(path, index=False)
            else:
                predictions.to_csv(path, index=False, sep="\t" if path.suffix.lower() == ".tsv" else ",")
            written = len(predictions)
        else:
            assert out_table is not None
            with open_workspace(workspace) as ws:
                written = ws.engine.write_table(out_table, predictions)
    outcome = {"source": shown, "target": target, "rows": len(frame), **report.to_dict(), "warnings": notes}
    if out is not None:
        outcome["written"] = {"to": out_table or out, "rows": written}
    if as_json:
        emit_json(outcome)
    else:
        _print(outcome)


def _predictions(model: Any, frame: pd.DataFrame, out_of_fold: pd.DataFrame) -> pd.DataFrame:
    """Input rows plus ``prediction`` (and probabilities): out of fold where labelled, else the model's."""
    import numpy as np
    import pandas as pd

    result = frame.reset_index(drop=True).copy()
    fresh = pd.DataFrame(index=frame.index)
    fresh["prediction"] = model.predict(frame)
    if model.task_ == "classification":
        proba = model.predict_proba(frame)
        if len(model.classes_) == 2:
            fresh["probability"] = proba[:, 1]
        else:
            for j, label in enumerate(model.classes_):
                fresh[f"probability_{label}"] = proba[:, j]
    labelled = frame.index.isin(out_of_fold.index)
    combined = fresh.copy().astype({"prediction": "object"})
    for column in fresh.columns:
        if column in out_of_fold.columns:
            combined.loc[labelled, column] = out_of_fold.loc[frame.index[labelled], column].to_numpy()
    for column in combined.columns:
        result[column] = combined[column].to_numpy()
    if model.task_ == "regression":
        result["prediction"] = result["prediction"].astype("float64")
    result["prediction_kind"] = np.where(labelled, "out_of_fold", "model")
    return result


def _print(outcome: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(
        f"[bold]{outcome['source']}[/] -> {outcome['target']} ({outcome['task']}, {outcome['rows']:,} rows, "
        f"{outcome['seconds']:.1f} s)",
        highlight=False,
    )
    metrics = Table("metric", "mean", "sd", title="cross-validated")
    for row in outcome["metrics"]:
        metrics.add_row(row["metric"], f"{row['mean']:.4f}", f"{row['std']:.4f}")
    console.print(metrics)
    features = Table("feature", "importance", title="top features (share of gain)")
    for row in outcome["feature_importance"][:10]:
        features.add_row(str(row["feature"]), f"{row['importance']:.3f}")
    console.print(features)
    for note in outcome["warnings"]:
        console.print(f"[yellow]warning[/] {note}", highlight=False)
    if "written" in outcome:
        console.print(f"wrote {outcome['written']['rows']:,} predictions to {outcome['written']['to']}")


def register(app: typer.Typer) -> None:
    """Add ``aimass predict`` to the application."""
    app.command("predict")(predict_command)
