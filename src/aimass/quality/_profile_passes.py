"""The profiler's passes: every statistic of a relation from six aggregate queries run in DuckDB.

Each pass is one SQL statement, whatever the number of columns: (1) one wide aggregate with the
simple statistics of every column (the text patterns are matched only on values whose first
character can start a match); (2) one union of per-column groupings with the exact distinct count
and the top values of each column (cut by a top-N in the engine, with no tie-break by text for a
column whose top values are not reported; above :data:`APPROX_DISTINCT_ROWS` rows distinct counts
come from pass 1's HyperLogLog and only the columns worth counting are grouped); (3) the skewness
and the quantiles of the numeric columns, from pass 1's means and standard deviations; (4) one
union of grouped counts for the histograms of the numeric columns, from pass 1's ranges; (5) one
grouping by a hash of each row, then by every column of the rows whose hash repeats, for the exact
duplicate rows; (6) a bounded random sample for the correlations. Only those small results leave
the engine.

The statements are plain DuckDB SQL over a relation (a table, a view over a file read in place, or
a subquery), run by a callable that returns Arrow: the warehouse's ``Engine.sql`` or a scratch
connection's. No Ibis expression is built or compiled here, so profiling a file needs no Ibis at all.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from aimass.engine import LINEAGE_COLUMNS
from aimass.exceptions import ConfigError
from aimass.quality._profile_stats import column_alerts, correlation_alerts, correlations, infer_type

__all__ = [
    "APPROX_DISTINCT_ROWS",
    "QUANTILES",
    "Profile",
    "Runner",
    "profile_relation",
    "storage_kind",
    "storage_type",
]

#: Runs one statement and returns its result as Arrow.
Runner = Callable[[str], pa.Table]

#: Above this many rows distinct counts and quantiles are approximate (HyperLogLog, t-digest).
APPROX_DISTINCT_ROWS = 5_000_000
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HISTOGRAM_BINS = 20
TOP_VALUES = 10
DUPLICATE_SAMPLES = 5
_NUMERIC_LIKE = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_LEADING_ZERO = r"^0\d+$"
_DATE_LIKE = (
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
    r"|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2} [A-Za-z]{3,9} \d{4})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*[AaPp]\.?[Mm]\.?)?\s*(Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
#: A space with something other than whitespace before and after it: what is left of a value
#: with surrounding whitespace stripped still holds a space.
_INNER_SPACE = r"(?s)[^ \t\n\r\x0b\x0c].* .*[^ \t\n\r\x0b\x0c]"
_INTEGERS = {
    "TINYINT": "int8",
    "SMALLINT": "int16",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "HUGEINT": "int128",
    "UTINYINT": "uint8",
    "USMALLINT": "uint16",
    "UINTEGER": "uint32",
    "UBIGINT": "uint64",
    "UHUGEINT": "uint128",
}
_NAMED = {
    "BOOLEAN": "boolean",
    "FLOAT": "float32",
    "DOUBLE": "float64",
    "VARCHAR": "string",
    "DATE": "date",
    "TIMESTAMP": "timestamp(6)",
    "TIMESTAMP_S": "timestamp(0)",
    "TIMESTAMP_MS": "timestamp(3)",
    "TIMESTAMP_NS": "timestamp(9)",
    "TIMESTAMP WITH TIME ZONE": "timestamp('UTC', 6)",
    **_INTEGERS,
}


@dataclass
class Profile:
    """The profile of one table: what :func:`aimass.quality.profile` found.

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


def storage_kind(duckdb_type: str) -> str:
    """How a DuckDB column type is profiled: integer, float, decimal, boolean, datetime, string or other.

    Examples
    --------
    >>> [storage_kind(t) for t in ("BIGINT", "DECIMAL(18,4)", "TIMESTAMP WITH TIME ZONE", "INTEGER[]")]
    ['integer', 'decimal', 'datetime', 'other']
    """
    text = duckdb_type.strip().upper()
    if text == "BOOLEAN":
        return "boolean"
    if text in _INTEGERS:
        return "integer"
    if text in ("FLOAT", "DOUBLE", "REAL"):
        return "float"
    if text.startswith("DECIMAL"):
        return "decimal"
    if text == "DATE" or text.startswith("TIMESTAMP"):
        return "datetime"
    if text == "VARCHAR":
        return "string"
    return "other"


def storage_type(duckdb_type: str) -> str:
    """The type's name as the rest of aimass spells it: ``BIGINT`` -> ``int64``, ``VARCHAR`` -> ``string``."""
    text = duckdb_type.strip()
    named = _NAMED.get(text.upper())
    if named is not None:
        return named
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", text, re.IGNORECASE)
    if decimal:
        return f"decimal({decimal.group(1)}, {decimal.group(2)})"
    return text.lower()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _double(value: float) -> str:
    return f"CAST({_text(repr(float(value)))} AS DOUBLE)"


def _count_if(condition: str) -> str:
    return f"CAST(count_if({condition}) AS BIGINT)"


def _value(column: str, kind: str) -> str:
    """The column as a finite DOUBLE (infinities of floats as NULL)."""
    if kind == "float":
        return f"CASE WHEN isinf({column}) THEN NULL ELSE {column} END"
    return f"CAST({column} AS DOUBLE)"


def profile_relation(
    run: Runner,
    relation: str,
    types: Mapping[str, str],
    source: str,
    *,
    sample: int | None = None,
    correlation_sample: int = 20_000,
) -> Profile:
    """Profile ``relation`` (a table name or a parenthesised subquery) whose columns are ``types``.

    Parameters
    ----------
    run : callable
        Runs a DuckDB statement and returns its result as a ``pyarrow.Table``.
    relation : str
        What the statements read ``FROM``: a quoted table or view, or ``(SELECT ...)``.
    types : mapping of str to str
        Column name -> DuckDB type, in order; lineage columns are left out.
    source : str
        What to call it in the profile.
    sample : int, optional
        Profile only the first ``sample`` rows.
    correlation_sample : int, default 20000
        Rows in the random sample the correlations are computed on.
    """
    names = [name for name in types if name not in LINEAGE_COLUMNS]
    if not names:
        raise ConfigError(f"{source} has no columns to profile")
    if sample is not None:
        relation = f"(SELECT * FROM {relation} LIMIT {int(sample)})"
    table = f"{relation} AS src"
    n_rows = int(run(f"SELECT count(*) AS n FROM {table}").column(0)[0].as_py())
    kinds = {name: storage_kind(types[name]) for name in names}
    approx = n_rows > APPROX_DISTINCT_ROWS
    simple = (
        _simple_stats(run, table, kinds, approx=approx) if n_rows else {n: _empty(kinds[n]) for n in names}
    )
    top: dict[str, list[dict[str, Any]]] = {}
    if n_rows and not approx:  # exact distinct counts and top values from one grouping per column
        bounds = {name: _count_bound(kinds[name], n_rows - simple[name]["n_missing"]) for name in names}
        distinct, top = _value_counts(run, table, names, with_distinct=True, counted_below=bounds)
        for name in names:
            simple[name]["n_distinct"] = distinct[name]
    columns: dict[str, dict[str, Any]] = {}
    for name in names:
        stats = simple[name]
        columns[name] = {
            "type": infer_type(name, kinds[name], stats, n_rows),
            "storage_type": storage_type(types[name]),
            **stats,
            "pct_missing": round(100.0 * stats["n_missing"] / n_rows, 4) if n_rows else 0.0,
            "approx": approx,
        }
        if kinds[name] in ("integer", "float", "decimal") and stats["min"] is not None:
            columns[name].update(quantiles=None, median=None)  # filled by the pass below, in this place
    numeric = [
        n for n in names if kinds[n] in ("integer", "float", "decimal") and columns[n]["min"] is not None
    ]
    if n_rows and numeric:
        _add_shape(run, table, numeric, kinds, types, columns, approx=approx)
        _add_histograms(run, table, numeric, kinds, columns)
    counted = [n for n in names if _worth_counting(kinds[n], columns[n], n_rows)]
    if n_rows and approx and counted:
        top = _value_counts(run, table, counted, with_distinct=False)[1]
    for name, column in columns.items():
        column["top_values"] = top.get(name, []) if name in counted else []
    n_duplicates, duplicate_samples = _duplicates(run, table, names) if n_rows else (0, [])
    corr = _correlations(run, table, columns, n_rows, correlation_sample)
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


def _count_bound(kind: str, present: int) -> float:
    """The fewest groups that make :func:`_worth_counting` false for a column (``inf``: none do)."""
    bound = 0.95 * present if present > 1 else math.inf
    # distinct >= 0.95 * present (a float) is not counted; nor float/decimal with more than 50 values
    return min(bound, 51.0) if kind in ("float", "decimal") else bound


def _empty(kind: str) -> dict[str, Any]:
    base: dict[str, Any] = {"n_missing": 0, "n_distinct": 0, "min": None, "max": None}
    if kind == "string":
        base.update(n_numeric_like=0, n_leading_zero=0, n_date_like=0, n_with_space=0)
    return base


def _starts_numeric_like(column: str) -> str:
    """True for every value :data:`_NUMERIC_LIKE` can match: its first character is whitespace, a
    sign, a point or a digit (the code points 9-13, 32 and 43-57). A cheap test on the first
    character, so the regular expression runs only on the values that may match."""
    first = f"ascii({column})"
    return f"({first} BETWEEN 43 AND 57 OR {first} BETWEEN 9 AND 13 OR {first} = 32)"


def _starts_date_like(column: str) -> str:
    """True for every value :data:`_DATE_LIKE` can match: it starts with whitespace or a digit, or
    with an ASCII letter and holds a space (a month name is followed by a space)."""
    first = f"ascii({column})"
    letter = f"({first} BETWEEN 65 AND 90 OR {first} BETWEEN 97 AND 122)"
    return (
        f"({first} BETWEEN 48 AND 57 OR {first} BETWEEN 9 AND 13 OR {first} = 32 "
        f"OR ({letter} AND contains({column}, ' ')))"
    )


def _column_metrics(i: int, name: str, kind: str, *, approx: bool) -> list[str]:
    """The pass-1 aggregates of one column, each ``expression AS "i:key"``."""
    q = _quote(name)
    missing = f"{q} IS NULL OR isnan({q})" if kind == "float" else f"{q} IS NULL"
    metrics = {"n_missing": _count_if(missing)}
    if approx:  # else counted exactly from the groups of pass 2
        metrics["n_distinct"] = f"approx_count_distinct({q})"
    if kind in ("integer", "float", "decimal"):
        value = _value(q, kind)
        metrics.update(
            {
                "min": f"min({q})" if kind == "integer" else f"min({value})",
                "max": f"max({q})" if kind == "integer" else f"max({value})",
                "mean": f"avg({value})",
                "std": f"stddev_samp({value})",
                "n_zeros": _count_if(f"{q} = 0"),
                "n_negative": _count_if(f"{q} < 0"),
                "n_infinite": _count_if(f"isinf({q})") if kind == "float" else "0",
                "_bytes": f"count({q}) * 8",
            }
        )
    elif kind == "datetime":
        metrics.update({"min": f"min({q})", "max": f"max({q})", "_bytes": f"count({q}) * 8"})
    elif kind == "boolean":
        metrics.update({"n_true": f"CAST(sum(CAST({q} AS BIGINT)) AS BIGINT)", "_bytes": f"count({q})"})
    elif kind == "string":
        metrics.update(
            {
                "length_min": f"min(length({q}))",
                "length_mean": f"avg(length({q}))",
                "length_max": f"max(length({q}))",
                "n_numeric_like": _count_if(
                    f"CASE WHEN {_starts_numeric_like(q)} "
                    f"THEN regexp_matches({q}, {_text(_NUMERIC_LIKE)}) END"
                ),
                "n_leading_zero": _count_if(
                    f"CASE WHEN starts_with({q}, '0') THEN regexp_matches({q}, {_text(_LEADING_ZERO)}) END"
                ),
                "n_date_like": _count_if(
                    f"CASE WHEN {_starts_date_like(q)} THEN regexp_matches({q}, {_text(_DATE_LIKE)}) END"
                ),
                "n_with_space": _count_if(
                    f"CASE WHEN contains({q}, ' ') THEN regexp_matches({q}, {_text(_INNER_SPACE)}) END"
                ),
                "_bytes": f"CAST(sum(length({q})) AS BIGINT)",
            }
        )
    return [f'{expression} AS "{i}:{key}"' for key, expression in metrics.items()]


def _simple_stats(
    run: Runner, table: str, kinds: dict[str, str], *, approx: bool
) -> dict[str, dict[str, Any]]:
    """Pass 1: one wide aggregate with the simple statistics of every column."""
    metrics = [
        metric
        for i, (name, kind) in enumerate(kinds.items())
        for metric in _column_metrics(i, name, kind, approx=approx)
    ]
    row = run(f"SELECT {', '.join(metrics)} FROM {table}").to_pylist()[0]
    out: dict[str, dict[str, Any]] = {}
    for i, (name, kind) in enumerate(kinds.items()):
        prefix = f"{i}:"
        stats = {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}
        stats = {
            key: (0 if value is None and key.startswith("n_") else value) for key, value in stats.items()
        }
        stats = {
            "n_missing": int(stats.pop("n_missing") or 0),
            "n_distinct": int(stats.pop("n_distinct", 0) or 0),
            **stats,
        }
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


def _quantile_input(name: str, kind: str, duckdb_type: str, column: Mapping[str, Any]) -> str:
    """What a column's quantiles are computed on: the column itself when that gives the same
    answer as :func:`_value` (a 64-bit-or-smaller integer, or a DOUBLE without infinities), which
    saves a cast of every value."""
    text = duckdb_type.strip().upper()
    if kind == "integer" and text not in ("HUGEINT", "UHUGEINT", "UBIGINT"):
        return _quote(name)
    if text == "DOUBLE" and not column.get("n_infinite"):
        return _quote(name)
    return _value(_quote(name), kind)


def _add_shape(
    run: Runner,
    table: str,
    numeric: Sequence[str],
    kinds: Mapping[str, str],
    types: Mapping[str, str],
    columns: dict[str, dict[str, Any]],
    *,
    approx: bool,
) -> None:
    """Pass 3: the skewness and the quantiles of every numeric column, in one aggregate.

    Skewness is ``mean(((x - mean) / std) ** 3)`` with pass 1's means and standard deviations;
    quantiles are exact (``quantile_cont``), or t-digest estimates with ``approx``. Infinities are
    left out of both. Kept out of pass 1 because an exact quantile holds every value, and beside
    the many other aggregates of pass 1 that made the whole pass run on one thread.
    """
    levels = "[" + ", ".join(repr(p) for p in QUANTILES) + "]"
    quantile = "approx_quantile" if approx else "quantile_cont"
    metrics = []
    for i, name in enumerate(numeric):
        kind = kinds[name]
        mean, std = columns[name]["mean"], columns[name]["std"]
        if mean is not None and std:
            value = _value(_quote(name), kind)
            metrics.append(f'avg(pow(({value} - {_double(mean)}) / {_double(std)}, 3)) AS "s{i}"')
        if approx:
            source = _value(_quote(name), kind)
        else:
            source = _quantile_input(name, kind, types[name], columns[name])
        metrics.append(f'{quantile}({source}, {levels}) AS "q{i}"')
    row = run(f"SELECT {', '.join(metrics)} FROM {table}").to_pylist()[0]
    for i, name in enumerate(numeric):
        columns[name]["skewness"] = _round(row.get(f"s{i}"))
        values = row.get(f"q{i}") or [None] * len(QUANTILES)
        quantiles = {f"{q:g}": _round(v) for q, v in zip(QUANTILES, values, strict=True)}
        columns[name].update(quantiles=quantiles, median=quantiles["0.5"])


def _value_counts(
    run: Runner,
    table: str,
    names: Sequence[str],
    *,
    with_distinct: bool,
    counted_below: Mapping[str, float] | None = None,
) -> tuple[dict[str, int], dict[str, list[dict[str, Any]]]]:
    """Pass 2: per column, its non-null values grouped: how many there are, and the most frequent.

    One ``UNION ALL`` of one grouping per column, each cut to its :data:`TOP_VALUES` most frequent
    values (ties by the value as text) by a top-N; ``with_distinct`` also counts the groups. A
    column with at least ``counted_below[column]`` groups has its top values left unreported, so
    its ties are not broken by the value as text (no cast of every value to text); its top rows
    still carry the number of groups.
    """
    parts = []
    for j, name in enumerate(names):
        q = _quote(name)
        groups = "count(*) OVER ()" if with_distinct else "0"
        bound = None if counted_below is None else counted_below.get(name)
        text = "CAST(value AS VARCHAR)"
        tie = text if bound is None else f"CASE WHEN groups < {_double(bound)} THEN {text} END"
        parts.append(
            f"(SELECT {j} AS part, {text} AS key, n, groups FROM "
            f"(SELECT value, n, groups FROM (SELECT value, n, {groups} AS groups FROM "
            f"(SELECT {q} AS value, count(*) AS n FROM {table} WHERE {q} IS NOT NULL GROUP BY 1)) "
            f"ORDER BY n DESC, {tie} LIMIT {TOP_VALUES}))"
        )
    rows = run(" UNION ALL ".join(parts)).to_pylist()
    distinct = dict.fromkeys(names, 0)
    top: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for row in rows:
        name = names[int(row["part"])]
        distinct[name] = int(row["groups"])
        top[name].append({"value": row["key"], "count": int(row["n"])})
    for name in names:
        top[name].sort(key=lambda v: (-v["count"], v["value"]))
    return distinct, top


def _add_histograms(
    run: Runner, table: str, numeric: Sequence[str], kinds: dict[str, str], columns: dict[str, dict[str, Any]]
) -> None:
    """Pass 4: equal-width histograms of every numeric column in one union of grouped counts."""
    parts = []
    edges: dict[str, list[float]] = {}
    for j, name in enumerate(numeric):
        low, high = float(columns[name]["min"]), float(columns[name]["max"])
        bins = HISTOGRAM_BINS if high > low else 1
        width = (high - low) / bins if high > low else 1.0
        edges[name] = [low + width * k for k in range(bins)] + [high if high > low else low + 1.0]
        value = _value(_quote(name), kinds[name])
        nan = f" AND NOT isnan({_quote(name)})" if kinds[name] == "float" else ""
        bucket = f"least({bins - 1}, CAST(floor(({value} - {_double(low)}) / {_double(width)}) AS BIGINT))"
        parts.append(
            f"SELECT {j} AS part, {bucket} AS bucket, count(*) AS n FROM {table} "
            f"WHERE {value} IS NOT NULL{nan} "
            "GROUP BY 2"
        )
    rows = run(" UNION ALL ".join(parts)).to_pylist()
    counts = {name: [0] * (len(edges[name]) - 1) for name in numeric}
    for row in rows:
        counts[numeric[int(row["part"])]][int(row["bucket"])] += int(row["n"])
    for name in numeric:
        columns[name]["histogram"] = {"edges": [_round(e) for e in edges[name]], "counts": counts[name]}


def _duplicates(run: Runner, table: str, names: Sequence[str]) -> tuple[int, list[dict[str, Any]]]:
    """Pass 5: exact duplicate rows (count and the most repeated) from one grouping of all columns."""
    selected = ", ".join(_quote(name) for name in names)
    # Equal rows have equal hashes: rows whose hash repeats are the only candidates, and grouping
    # those by every column gives the exact answer (a hash collision is never counted).
    rows = run(
        f'WITH hashed AS (SELECT hash({selected}) AS "__hash" FROM {table}), '
        'repeated AS (SELECT "__hash" FROM hashed GROUP BY 1 HAVING count(*) > 1), '
        f'grouped AS (SELECT {selected}, count(*) AS "__count" FROM {table} '
        f'WHERE hash({selected}) IN (SELECT "__hash" FROM repeated) GROUP BY ALL HAVING count(*) > 1) '
        'SELECT *, sum("__count" - 1) OVER () AS "__total" FROM grouped '
        f'ORDER BY "__count" DESC LIMIT {DUPLICATE_SAMPLES}'
    ).to_pylist()
    if not rows:
        return 0, []
    n_duplicates = int(rows[0]["__total"])
    samples = [
        {**{k: v for k, v in row.items() if not k.startswith("__")}, "n_copies": row["__count"]}
        for row in rows
    ]
    return n_duplicates, json.loads(json.dumps(samples, default=str))


def _correlations(
    run: Runner, table: str, columns: dict[str, dict[str, Any]], n_rows: int, sample_rows: int
) -> dict[str, Any]:
    """Pass 6: correlations on a random sample of at most ``sample_rows`` rows."""
    numeric = [n for n, c in columns.items() if c["type"] == "numeric" and c["n_distinct"] > 1][:30]
    categorical = [
        n for n, c in columns.items() if c["type"] in ("categorical", "boolean") and 1 < c["n_distinct"] <= 50
    ][:20]
    if not n_rows or not (len(numeric) > 1 or len(categorical) > 1):
        return correlations(pa.table({}), [], [])
    sampled = (
        f" USING SAMPLE reservoir({int(sample_rows)} ROWS) REPEATABLE (0)" if n_rows > sample_rows else ""
    )
    chosen = [f"CAST({_quote(n)} AS DOUBLE) AS {_quote(n)}" for n in numeric] + [
        _quote(n) for n in categorical
    ]
    # categories as codes from 0 (their rank as text), so no text leaves the engine
    codes = [
        f"CAST(CASE WHEN {_quote(n)} IS NULL THEN NULL ELSE dense_rank() OVER "
        f"(ORDER BY CAST({_quote(n)} AS VARCHAR)) - 1 END AS BIGINT) AS {_quote(n)}"
        for n in categorical
    ]
    selected = ", ".join([*map(_quote, numeric), *codes])
    query = f"SELECT {selected} FROM (SELECT {', '.join(chosen)} FROM {table}{sampled})"
    return correlations(run(query), numeric, categorical)
