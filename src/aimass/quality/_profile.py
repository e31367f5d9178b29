"""The profiler: every statistic of a table from a few aggregate queries pushed down to the engine.

Passes, each one query whatever the number of columns: (1) one wide aggregate with the simple
statistics of every column; (2) one aggregate with quantiles and skewness of the numeric columns;
(3) one union of grouped counts for the histograms; (4) one union of grouped counts for the top
values; (5) one grouping of all columns for the exact duplicate rows. Correlations use a bounded
random sample. Nothing pulls a whole table out of the engine.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aimass.engine import LINEAGE_COLUMNS, Engine
from aimass.exceptions import ConfigError, IngestError
from aimass.quality._profile_stats import column_alerts, correlation_alerts, correlations, infer_type

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from aimass.settings import EngineSettings
    from aimass.workspace import Workspace

__all__ = ["APPROX_DISTINCT_ROWS", "QUANTILES", "Profile", "profile"]

#: Above this many rows distinct counts and quantiles are approximate (HyperLogLog, t-digest).
APPROX_DISTINCT_ROWS = 5_000_000
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Files up to this size (and a quarter of the memory limit) are profiled in an in-memory scratch
#: database; larger ones in a temporary database file, so they spill to disk.
IN_MEMORY_BYTES = 256 * 2**20
HISTOGRAM_BINS = 20
TOP_VALUES = 10
DUPLICATE_SAMPLES = 5
_NUMERIC_LIKE = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_LEADING_ZERO = r"^0\d+$"
_DATE_LIKE = (
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
    r"|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2} [A-Za-z]{3,9} \d{4})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?\s*$"
)


@dataclass
class Profile:
    """The profile of one table: what :func:`profile` found.

    Attributes
    ----------
    source : str
        The table or file profiled.
    n_rows, n_columns : int
        Table shape (lineage columns of raw tables are left out).
    n_duplicate_rows : int
        Rows that repeat an earlier row exactly (a row present 3 times counts 2).
    duplicate_samples : list of dict
        The most repeated rows, each with its ``n_copies``.
    columns : dict of str to dict
        Per column: ``type``, ``storage_type``, ``n_missing``, ``pct_missing``, ``n_distinct``,
        ``top_values`` and, by kind, ``min``/``max``/``mean``/``std``/``quantiles``/``histogram``/
        ``n_zeros``/``n_negative``/``n_infinite``/``skewness``, ``length``, ``datetime_range``.
    correlations : dict
        ``pearson``, ``spearman`` and ``cramers_v``, each ``{columns, matrix}``.
    alerts : list of dict
        ``{column, kind, detail}``; ``column`` is None for table-level alerts.
    size_bytes : int
        The file size for a file; for a table, an estimate of its uncompressed size.
    approximate : bool
        Whether distinct counts and quantiles are approximate (more than
        :data:`APPROX_DISTINCT_ROWS` rows).
    """

    source: str
    n_rows: int
    n_columns: int
    n_duplicate_rows: int
    duplicate_samples: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    correlations: dict[str, Any] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    size_bytes: int = 0
    approximate: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain JSON-ready data (the ``--json`` output)."""
        return json.loads(json.dumps(self.__dict__, default=str))  # type: ignore[no-any-return]


def profile(
    source: Workspace | Engine | str | Path,
    table: str | None = None,
    *,
    sample: int | None = None,
    correlation_sample: int = 20_000,
    settings: EngineSettings | None = None,
) -> Profile:
    """Profile a warehouse table, or a file loaded into a scratch engine.

    Parameters
    ----------
    source : Workspace, Engine, str or Path
        Where the table lives, or a file (CSV, TSV, Parquet, JSON, JSONL, Excel) to profile.
    table : str, optional
        The qualified table, e.g. ``"raw.orders"``; required with a workspace or engine.
    sample : int, optional
        Profile only the first ``sample`` rows the engine returns.
    correlation_sample : int, default 20000
        Rows in the random sample the correlations are computed on.
    settings : EngineSettings, optional
        For a file: the scratch engine's settings (``memory_limit``, ``threads``). The scratch
        database is in memory for files up to :data:`IN_MEMORY_BYTES` (and a quarter of the
        memory limit), else a file in a temporary folder, so data larger than memory spills to disk.

    Returns
    -------
    Profile

    Raises
    ------
    ConfigError
        When no table is named for a workspace, or ``sample`` is not positive.
    TableNotFoundError
        When the table does not exist.
    IngestError
        When the file cannot be read.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from aimass.engine._duckdb import DuckDBEngine
    >>> with DuckDBEngine(":memory:") as engine:
    ...     _ = engine.write_table("raw.t", pa.table({"zip": ["01234", "02345", "01234"], "x": [1, 2, 3]}))
    ...     found = profile(engine, "raw.t")
    >>> found.columns["zip"]["type"], found.columns["x"]["mean"], found.n_duplicate_rows
    ('identifier', 2.0, 0)
    """
    if sample is not None and sample < 1:
        raise ConfigError(f"`{sample=}` must be a positive number of rows")
    if isinstance(source, str | Path):
        if table is not None:
            raise ConfigError("give either a file or a workspace and a table, not a file and a table")
        return _profile_file(
            Path(source), sample=sample, correlation_sample=correlation_sample, settings=settings
        )
    if table is None:
        raise ConfigError("name the table to profile, e.g. profile(workspace, 'raw.orders')")
    engine = source if isinstance(source, Engine) else source.engine
    return profile_expression(
        engine.scan(table), str(table), sample=sample, correlation_sample=correlation_sample
    )


def _profile_file(
    path: Path, *, sample: int | None, correlation_sample: int, settings: EngineSettings | None
) -> Profile:
    from aimass.engine import connect
    from aimass.ingest import ingest_files
    from aimass.settings import EngineSettings

    if not path.is_file():
        raise IngestError(f"cannot profile {path}: no such file")
    base = settings or EngineSettings()
    on_disk = path.stat().st_size > min(IN_MEMORY_BYTES, _bytes(base.memory_limit) // 4)
    with tempfile.TemporaryDirectory(prefix="aimass-profile-") as scratch:
        where = "scratch.duckdb" if on_disk else ":memory:"
        scratch_settings = base.model_copy(update={"kind": "duckdb", "path": where})
        with connect(scratch_settings, root=Path(scratch)) as engine:
            ingest_files(engine, path.resolve(), "raw.profiled")
            found = profile_expression(
                engine.scan("raw.profiled"), str(path), sample=sample, correlation_sample=correlation_sample
            )
    found.size_bytes = path.stat().st_size
    return found


def _bytes(limit: str | None) -> int:
    """``"100MB"`` as bytes (no limit: a very large number)."""
    if limit is None:
        return 2**62
    found = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]i?B)\s*", limit, re.IGNORECASE)
    if found is None:
        return 2**62
    unit = found.group(2).upper().replace("I", "")
    return int(float(found.group(1)) * 1024 ** ("KMGT".index(unit[0]) + 1))


def profile_expression(
    table: ir.Table, source: str, *, sample: int | None = None, correlation_sample: int = 20_000
) -> Profile:
    """Profile an Ibis table expression (what :func:`profile` runs once it has the table).

    Parameters
    ----------
    table : ibis Table
        The data; lineage columns (``_load_id``, ``_source_file``, ``_loaded_at``) are ignored.
    source : str
        What to call it in the profile.
    sample : int, optional
        Profile only the first ``sample`` rows.
    correlation_sample : int, default 20000
        Rows in the random sample the correlations are computed on.
    """
    names = [name for name in table.columns if name not in LINEAGE_COLUMNS]
    if not names:
        raise ConfigError(f"{source} has no columns to profile")
    table = table.select(*names)
    if sample is not None:
        table = table.limit(sample)
    n_rows = int(table.count().to_pyarrow().as_py())
    kinds = {name: _storage_kind(table[name].type()) for name in names}
    approx = n_rows > APPROX_DISTINCT_ROWS
    simple = _simple_stats(table, kinds, approx=approx) if n_rows else {n: _empty(kinds[n]) for n in names}
    columns: dict[str, dict[str, Any]] = {}
    for name in names:
        stats = simple[name]
        column: dict[str, Any] = {
            "type": infer_type(name, kinds[name], stats, n_rows),
            "storage_type": str(table[name].type()),
            **stats,
            "pct_missing": round(100.0 * stats["n_missing"] / n_rows, 4) if n_rows else 0.0,
            "approx": approx,
        }
        columns[name] = column
    numeric = [
        n for n in names if kinds[n] in ("integer", "float", "decimal") and columns[n]["min"] is not None
    ]
    if n_rows and numeric:
        _add_quantiles(table, numeric, columns, approx=approx)
        _add_histograms(table, numeric, columns)
    counted = [n for n in names if _worth_counting(kinds[n], columns[n], n_rows)]
    if n_rows:
        _add_top_values(table, counted, columns)
    n_duplicates, duplicate_samples = _duplicates(table, names) if n_rows else (0, [])
    corr = _correlations(table, columns, n_rows, correlation_sample)
    alerts: list[dict[str, Any]] = []
    if n_duplicates:
        share = n_duplicates / n_rows
        alerts.append(
            {"column": None, "kind": "duplicates", "detail": f"{n_duplicates:,} duplicate rows ({share:.2%})"}
        )
    for name in names:
        alerts.extend(column_alerts(name, columns[name], n_rows))
    alerts.extend(correlation_alerts(corr))
    for name, column in columns.items():
        column["alerts"] = [alert["kind"] for alert in alerts if alert["column"] == name]
    size = sum(int(column.pop("_bytes", 0)) for column in columns.values())
    return Profile(
        source=source,
        n_rows=n_rows,
        n_columns=len(names),
        n_duplicate_rows=n_duplicates,
        duplicate_samples=duplicate_samples,
        columns=columns,
        correlations=corr,
        alerts=alerts,
        size_bytes=size,
        approximate=approx,
    )


def _worth_counting(kind: str, column: dict[str, Any], n_rows: int) -> bool:
    """Top values are counted unless every value is rare: near-unique columns, or floats with many values."""
    present = n_rows - column["n_missing"]
    if present > 1 and column["n_distinct"] >= 0.95 * present:
        return False
    return kind not in ("float", "decimal") or column["n_distinct"] <= 50


def _storage_kind(dtype: Any) -> str:
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_floating():
        return "float"
    if dtype.is_decimal():
        return "decimal"
    if dtype.is_timestamp() or dtype.is_date():
        return "datetime"
    if dtype.is_string():
        return "string"
    return "other"


def _empty(kind: str) -> dict[str, Any]:
    base: dict[str, Any] = {"n_missing": 0, "n_distinct": 0, "min": None, "max": None}
    if kind == "string":
        base.update(n_numeric_like=0, n_leading_zero=0, n_date_like=0, n_with_space=0)
    return base


def _finite(column: ir.Column, kind: str) -> ir.Column:
    import ibis

    if kind == "float":
        return column.isinf().ifelse(ibis.null("float64"), column)
    return column.cast("float64")


def _simple_stats(table: ir.Table, kinds: dict[str, str], *, approx: bool) -> dict[str, dict[str, Any]]:
    """Pass 1: one wide aggregate with the simple statistics of every column."""
    metrics: dict[str, Any] = {}
    for i, (name, kind) in enumerate(kinds.items()):
        column = table[name]
        missing = column.isnull() | column.isnan() if kind == "float" else column.isnull()
        metrics[f"{i}:n_missing"] = missing.cast("int64").sum()
        metrics[f"{i}:n_distinct"] = column.approx_nunique() if approx else column.nunique()
        if kind in ("integer", "float", "decimal"):
            value = _finite(column, kind)
            metrics[f"{i}:min"] = (column if kind == "integer" else value).min()
            metrics[f"{i}:max"] = (column if kind == "integer" else value).max()
            metrics[f"{i}:mean"] = value.mean()
            metrics[f"{i}:std"] = value.std()
            metrics[f"{i}:n_zeros"] = (column == 0).cast("int64").sum()
            metrics[f"{i}:n_negative"] = (column < 0).cast("int64").sum()
            metrics[f"{i}:n_infinite"] = (
                column.isinf().cast("int64").sum() if kind == "float" else column.count() * 0
            )
            metrics[f"{i}:_bytes"] = column.count() * 8
        elif kind == "datetime":
            metrics[f"{i}:min"] = column.min()
            metrics[f"{i}:max"] = column.max()
            metrics[f"{i}:_bytes"] = column.count() * 8
        elif kind == "boolean":
            metrics[f"{i}:n_true"] = column.cast("int64").sum()
            metrics[f"{i}:_bytes"] = column.count()
        elif kind == "string":
            length = column.length()
            metrics[f"{i}:length_min"] = length.min()
            metrics[f"{i}:length_mean"] = length.mean()
            metrics[f"{i}:length_max"] = length.max()
            metrics[f"{i}:n_numeric_like"] = column.re_search(_NUMERIC_LIKE).cast("int64").sum()
            metrics[f"{i}:n_leading_zero"] = column.re_search(_LEADING_ZERO).cast("int64").sum()
            metrics[f"{i}:n_date_like"] = column.re_search(_DATE_LIKE).cast("int64").sum()
            metrics[f"{i}:n_with_space"] = column.strip().contains(" ").cast("int64").sum()
            metrics[f"{i}:_bytes"] = length.sum()
    row = table.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    out: dict[str, dict[str, Any]] = {}
    for i, (name, kind) in enumerate(kinds.items()):
        stats = {key.split(":", 1)[1]: value for key, value in row.items() if key.split(":", 1)[0] == str(i)}
        stats = {
            key: (0 if value is None and key.startswith("n_") else value) for key, value in stats.items()
        }
        stats["n_missing"] = int(stats["n_missing"] or 0)
        stats["n_distinct"] = int(stats["n_distinct"] or 0)
        stats["_bytes"] = int(stats.get("_bytes") or 0)
        if kind == "string":
            stats["length"] = {
                "min": stats.pop("length_min"),
                "mean": _round(stats.pop("length_mean")),
                "max": stats.pop("length_max"),
            }
        if kind == "datetime":
            stats["datetime_range"] = {"min": stats["min"], "max": stats["max"]}
        for key in ("mean", "std"):
            if key in stats:
                stats[key] = _round(stats[key])
        stats.setdefault("min", None)
        stats.setdefault("max", None)
        out[name] = stats
    return out


def _round(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if not math.isfinite(number) else round(number, 10)


def _add_quantiles(
    table: ir.Table, numeric: Sequence[str], columns: dict[str, dict[str, Any]], *, approx: bool
) -> None:
    """Pass 2: quantiles and skewness of every numeric column in one aggregate."""
    metrics: dict[str, Any] = {}
    for i, name in enumerate(numeric):
        value = _finite(table[name], _storage_kind(table[name].type()))
        quantiles = list(QUANTILES)
        metrics[f"{i}:q"] = value.approx_quantile(quantiles) if approx else value.quantile(quantiles)
        mean, std = columns[name]["mean"], columns[name]["std"]
        if mean is not None and std:
            metrics[f"{i}:skew"] = (((value - mean) / std) ** 3).mean()
    row = table.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    for i, name in enumerate(numeric):
        values = row[f"{i}:q"] or [None] * len(QUANTILES)
        columns[name]["quantiles"] = {f"{q:g}": _round(v) for q, v in zip(QUANTILES, values, strict=True)}
        columns[name]["median"] = columns[name]["quantiles"]["0.5"]
        columns[name]["skewness"] = _round(row.get(f"{i}:skew"))


def _add_histograms(table: ir.Table, numeric: Sequence[str], columns: dict[str, dict[str, Any]]) -> None:
    """Pass 3: equal-width histograms of every numeric column in one union of grouped counts."""
    import ibis

    parts = []
    edges: dict[str, list[float]] = {}
    for name in numeric:
        low, high = float(columns[name]["min"]), float(columns[name]["max"])
        bins = HISTOGRAM_BINS if high > low else 1
        width = (high - low) / bins if high > low else 1.0
        edges[name] = [low + width * k for k in range(bins)] + [high if high > low else low + 1.0]
        value = _finite(table[name], _storage_kind(table[name].type()))
        bucket = ((value - low) / width).floor().cast("int64").clip(upper=bins - 1)
        part = table.select(column=ibis.literal(name), bucket=bucket).filter(lambda t: t.bucket.notnull())
        parts.append(part.group_by(["column", "bucket"]).aggregate(n=lambda t: t.count()))
    rows = (
        ibis.union(*parts).to_pyarrow().to_pylist() if len(parts) > 1 else parts[0].to_pyarrow().to_pylist()
    )
    counts = {name: [0] * (len(edges[name]) - 1) for name in numeric}
    for row in rows:
        counts[row["column"]][int(row["bucket"])] += int(row["n"])
    for name in numeric:
        columns[name]["histogram"] = {"edges": [_round(e) for e in edges[name]], "counts": counts[name]}


def _add_top_values(table: ir.Table, names: Sequence[str], columns: dict[str, dict[str, Any]]) -> None:
    """Pass 4: the most frequent values of each column in one union of grouped counts."""
    import ibis

    if not names:
        return
    parts = []
    for name in names:
        value = table[name].cast("string")
        part = table.select(column=ibis.literal(name), value=value).filter(lambda t: t.value.notnull())
        counted = part.group_by(["column", "value"]).aggregate(count=lambda t: t.count())
        parts.append(counted.order_by([ibis.desc("count"), "value"]).limit(TOP_VALUES))
    rows = (
        ibis.union(*parts).to_pyarrow().to_pylist() if len(parts) > 1 else parts[0].to_pyarrow().to_pylist()
    )
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for row in rows:
        found[row["column"]].append({"value": row["value"], "count": int(row["count"])})
    for name in names:
        columns[name]["top_values"] = sorted(found[name], key=lambda v: (-v["count"], v["value"]))
    for column in columns.values():
        column.setdefault("top_values", [])


def _duplicates(table: ir.Table, names: Sequence[str]) -> tuple[int, list[dict[str, Any]]]:
    """Pass 5: exact duplicate rows (count and the most repeated) from one grouping of all columns."""
    import ibis

    grouped = table.group_by(list(names)).aggregate(__count=lambda t: t.count())
    repeated = grouped.filter(grouped["__count"] > 1)
    total = (repeated["__count"] - 1).sum().over(ibis.window())
    rows = (
        repeated.mutate(__total=total)
        .order_by(ibis.desc("__count"))
        .limit(DUPLICATE_SAMPLES)
        .to_pyarrow()
        .to_pylist()
    )
    if not rows:
        return 0, []
    n_duplicates = int(rows[0]["__total"])
    samples = [
        {**{k: v for k, v in row.items() if not k.startswith("__")}, "n_copies": row["__count"]}
        for row in rows
    ]
    return n_duplicates, json.loads(json.dumps(samples, default=str))


def _correlations(
    table: ir.Table, columns: dict[str, dict[str, Any]], n_rows: int, sample_rows: int
) -> dict[str, Any]:
    """Correlations on a random sample of at most ``sample_rows`` rows."""
    numeric = [n for n, c in columns.items() if c["type"] == "numeric" and c["n_distinct"] > 1][:30]
    categorical = [
        n for n, c in columns.items() if c["type"] in ("categorical", "boolean") and 1 < c["n_distinct"] <= 50
    ][:20]
    if not n_rows or not (len(numeric) > 1 or len(categorical) > 1):
        return correlations(_empty_sample(), [], [])
    chosen = table.select(*numeric, *[table[n].cast("string").name(n) for n in categorical])
    if n_rows > sample_rows:
        chosen = chosen.sample(min(1.0, 1.2 * sample_rows / n_rows), seed=0).limit(sample_rows)
    return correlations(chosen.to_pyarrow(), numeric, categorical)


def _empty_sample() -> Any:
    import pyarrow as pa

    return pa.table({})
