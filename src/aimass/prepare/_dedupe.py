"""Deduplication: exact duplicate rows, one version per key, and fuzzy matching of customer records.

:func:`drop_exact_duplicates` and :func:`dedupe_by_key` return a lazy Ibis expression (nothing is
read until it is written or executed) and a :class:`DedupeReport` whose counts come from one
aggregate query in the engine, plus a few sample rows. :func:`match_customers` finds candidate
pairs with self-joins on blocking keys in the engine, then scores only those pairs in Python with
``rapidfuzz``, batch by batch, so a customer table is never compared with itself in full.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import ibis
import pyarrow as pa

from aimass.exceptions import AimassWarning, ConfigError, SchemaError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "BLOCKING_KEYS",
    "MATCH_WEIGHTS",
    "BlockingKey",
    "DedupeReport",
    "LargeBlockWarning",
    "dedupe_by_key",
    "drop_exact_duplicates",
    "match_customers",
]

#: Which version of a key wins: the first or the last by ``order_by``.
Keep = Literal["first", "last"]
#: Ways to find candidate pairs: email local part, phone last 7 digits, name initials + first letters.
BlockingKey = Literal["email", "phone", "name"]
BLOCKING_KEYS: tuple[BlockingKey, ...] = ("email", "phone", "name")
#: Weight of each similarity in the combined score (renormalized over the fields both records have).
MATCH_WEIGHTS: dict[str, float] = {"name": 0.5, "email": 0.3, "phone": 0.2}

_SAMPLE_COLUMN = "n_copies"
_RANK = "__dedupe_rank"
_MATCH_SCHEMA = ("id_a", "id_b", "score", "name_score", "email_score", "phone_score", "reason")


class LargeBlockWarning(AimassWarning):
    """Some blocking keys are shared by too many records to compare pairwise; they were skipped."""


@dataclass(frozen=True)
class DedupeReport:
    """What a deduplication removed.

    Parameters
    ----------
    kind : {"exact", "key"}
        Exact duplicate rows, or several versions of one key.
    columns : list of str
        The columns compared (exact) or the key.
    n_rows_in : int
        Rows before.
    n_rows_out : int
        Rows after (one per distinct row, or per key).
    n_groups_duplicated : int
        Distinct rows that occurred more than once, or keys that had several versions.
    samples : list of dict
        Up to ``n_samples`` duplicated rows (exact) or keys (key), each with its ``n_copies``,
        most copies first.
    order_by : str, optional
        The column that chose the winning version (key only).
    keep : {"first", "last"}, optional
        Which version won (key only).
    """

    kind: Literal["exact", "key"]
    columns: list[str]
    n_rows_in: int
    n_rows_out: int
    n_groups_duplicated: int
    samples: list[dict[str, Any]] = field(default_factory=list)
    order_by: str | None = None
    keep: Keep | None = None

    @property
    def n_removed(self) -> int:
        """Rows dropped: ``n_rows_in - n_rows_out``."""
        return self.n_rows_in - self.n_rows_out

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return {
            "kind": self.kind,
            "columns": list(self.columns),
            "order_by": self.order_by,
            "keep": self.keep,
            "n_rows_in": self.n_rows_in,
            "n_rows_out": self.n_rows_out,
            "n_removed": self.n_removed,
            "n_groups_duplicated": self.n_groups_duplicated,
            "samples": list(self.samples),
        }


def drop_exact_duplicates(
    table: ir.Table, columns: Sequence[str] | None = None, *, n_samples: int = 20
) -> tuple[ir.Table, DedupeReport]:
    """Keep one copy of each row that occurs several times.

    Parameters
    ----------
    table : ibis Table
        The rows, e.g. ``engine.scan("raw.orders")``.
    columns : sequence of str, optional
        Compare only these columns (all of them when omitted). Of the rows that agree on them the
        one kept is the first when ordered by the other columns, so the result is deterministic.
    n_samples : int, default 20
        How many duplicated rows to return in the report.

    Returns
    -------
    ibis Table
        The lazy deduplicated table, with all of ``table``'s columns.
    DedupeReport
        Rows in and out and the most duplicated rows, computed in the engine.

    Raises
    ------
    SchemaError
        When a column is not in the table.

    Examples
    --------
    >>> import ibis, pyarrow as pa
    >>> t = ibis.memtable(pa.table({"a": [1, 1, 2], "b": ["x", "x", "y"]}))
    >>> out, report = drop_exact_duplicates(t)
    >>> report.n_removed, report.samples
    (1, [{'a': 1, 'b': 'x', 'n_copies': 2}])
    """
    compared = _check_columns(table, columns if columns is not None else table.columns, "columns")
    deduplicated = table.distinct() if columns is None else _first_per_group(table, compared, order=[])
    report = _group_report(table, compared, n_samples)
    return deduplicated, DedupeReport(kind="exact", columns=compared, **report)


def dedupe_by_key(
    table: ir.Table,
    key: Sequence[str],
    *,
    order_by: str | None = None,
    keep: Keep = "last",
    n_samples: int = 20,
) -> tuple[ir.Table, DedupeReport]:
    """Keep one row per key: the first or last version by ``order_by``.

    Parameters
    ----------
    table : ibis Table
        The rows, e.g. ``engine.scan("raw.orders")``.
    key : sequence of str
        The columns that identify a record, e.g. ``["order_id", "line_no"]``.
    order_by : str, optional
        The column that orders the versions of a key, e.g. ``"_loaded_at"``. Nulls never win.
        Ties (and a missing ``order_by``) are broken by the other columns in table order, so the
        same input always gives the same winner.
    keep : {"first", "last"}, default "last"
        Keep the version with the smallest or the largest ``order_by``.
    n_samples : int, default 20
        How many keys with several versions to return in the report.

    Returns
    -------
    ibis Table
        The lazy table with one row per key (``row_number`` over the key), all columns kept.
    DedupeReport
        Rows in and out, keys with several versions and samples of them, computed in the engine.

    Raises
    ------
    SchemaError
        When a key or ``order_by`` column is not in the table.
    ConfigError
        When ``key`` is empty or ``keep`` is not ``"first"`` or ``"last"``.

    Examples
    --------
    >>> import ibis, pyarrow as pa
    >>> t = ibis.memtable(pa.table({"id": [1, 1, 2], "v": ["old", "new", "x"], "at": [1, 2, 1]}))
    >>> out, report = dedupe_by_key(t, ["id"], order_by="at")
    >>> sorted(out.v.to_pyarrow().to_pylist()), report.n_groups_duplicated
    (['new', 'x'], 1)
    """
    if not key:
        raise ConfigError("`key` must name at least one column")
    if keep not in ("first", "last"):
        raise ConfigError(f"`{keep=}` must be 'first' or 'last'")
    columns = _check_columns(table, key, "key")
    order: list[Any] = []
    if order_by is not None:
        _check_columns(table, [order_by], "order_by")
        sort = ibis.desc if keep == "last" else ibis.asc
        order.append(sort(table[order_by], nulls_first=False))  # nulls never win
    deduplicated = _first_per_group(table, columns, order=order, exclude=[order_by] if order_by else [])
    report = _group_report(table, columns, n_samples)
    return deduplicated, DedupeReport(kind="key", columns=columns, order_by=order_by, keep=keep, **report)


def match_customers(
    table: ir.Table,
    *,
    id_column: str,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    threshold: float = 0.85,
    blocking: Sequence[BlockingKey] = BLOCKING_KEYS,
    max_block_size: int = 200,
    batch_size: int = 50_000,
) -> pa.Table:
    """Pairs of customer records that look like the same person, with scores for review.

    Candidate pairs share a blocking key (normalized email local part; last 7 digits of the
    phone; first 3 letters of the name plus the initial of its last word). They are found by
    self-joins in the engine, so only records in the same block are ever compared. Each candidate
    is then scored in Python with ``rapidfuzz``, streamed in batches.

    Parameters
    ----------
    table : ibis Table
        The customer records.
    id_column : str
        The column that identifies a record; each pair has ``id_a < id_b``.
    name, email, phone : str, optional
        The columns to compare; at least one is needed.
    threshold : float, default 0.85
        Pairs scoring below this are not returned.
    blocking : sequence of {"email", "phone", "name"}, default all three
        Which blocking keys propose candidates (only those whose column is given are used).
    max_block_size : int, default 200
        A key shared by more records than this (``info@``, a common name) proposes no pairs; a
        :class:`LargeBlockWarning` says how many keys were skipped.
    batch_size : int, default 50000
        Candidate pairs scored per batch.

    Returns
    -------
    pyarrow.Table
        ``id_a, id_b, score, name_score, email_score, phone_score, reason``, best first. Each
        similarity is in [0, 1] (null when either record lacks the field); ``score`` is their
        average weighted by :data:`MATCH_WEIGHTS` over the fields both records have.

    Raises
    ------
    ConfigError
        When no field to compare is given, or ``threshold``, ``blocking`` or a size is invalid.
    SchemaError
        When a column is not in the table.
    """
    fields = {"name": name, "email": email, "phone": phone}
    given = {kind: column for kind, column in fields.items() if column is not None}
    if not given:
        raise ConfigError("match_customers needs at least one of `name`, `email`, `phone`")
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"`{threshold=}` must be between 0 and 1")
    if max_block_size < 2 or batch_size < 1:
        raise ConfigError(f"`{max_block_size=}` must be >= 2 and `{batch_size=}` >= 1")
    unknown = sorted(set(blocking) - set(BLOCKING_KEYS))
    if unknown:
        raise ConfigError(f"unknown blocking keys {unknown}; allowed: {list(BLOCKING_KEYS)}")
    _check_columns(table, [id_column, *given.values()], "column")
    records = table.select(
        _id=table[id_column],
        **{f"_{kind}": table[column].cast("string") for kind, column in given.items()},
    )
    keys = [_blocking_key(records, kind) for kind in dict.fromkeys(blocking) if kind in given]
    if not keys:
        raise ConfigError(f"none of the blocking keys {list(blocking)} has its column given")
    candidates = _candidate_pairs(records, keys, max_block_size)
    pairs = _with_fields(candidates, records, list(given))
    id_type = table.schema()[id_column].to_pyarrow()
    return _score_pairs(pairs, list(given), threshold, batch_size, id_type)


# -- exact and key ---------------------------------------------------------------------------------


def _check_columns(table: ir.Table, columns: Sequence[str], what: str) -> list[str]:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise SchemaError(f"{what} {missing} not in the table; its columns are {list(table.columns)}")
    return list(columns)


def _orderable(table: ir.Table, exclude: Sequence[str]) -> list[Any]:
    """The other columns of primitive type, in table order: the deterministic tie-breaker."""
    schema = table.schema()
    kinds = ("is_numeric", "is_string", "is_temporal", "is_boolean")
    return [
        ibis.asc(table[name], nulls_first=False)
        for name, dtype in schema.items()
        if name not in exclude and any(getattr(dtype, kind)() for kind in kinds)
    ]


def _first_per_group(
    table: ir.Table, group: list[str], order: list[Any], exclude: Sequence[str] = ()
) -> ir.Table:
    ties = _orderable(table, exclude=[*group, *exclude])
    rank = ibis.row_number().over(group_by=[table[c] for c in group], order_by=[*order, *ties])
    return table.mutate(**{_RANK: rank}).filter(ibis._[_RANK] == 0).drop(_RANK)


def _group_report(table: ir.Table, group: list[str], n_samples: int) -> dict[str, Any]:
    counted = table.group_by(group).aggregate(**{_SAMPLE_COLUMN: ibis._.count()})
    copies = counted[_SAMPLE_COLUMN]
    totals = counted.aggregate(
        n_rows_in=copies.sum(),
        n_rows_out=copies.count(),
        n_groups_duplicated=(copies > 1).sum(),
    ).to_pyarrow()
    row = {name: int(totals.column(name)[0].as_py() or 0) for name in totals.column_names}
    samples: list[dict[str, Any]] = []
    if row["n_groups_duplicated"] and n_samples > 0:
        ties = _orderable(counted, exclude=[_SAMPLE_COLUMN])
        top = counted.filter(copies > 1).order_by([ibis.desc(copies), *ties]).limit(n_samples)
        samples = top.to_pyarrow().to_pylist()
    return {**row, "samples": samples}


# -- fuzzy matching --------------------------------------------------------------------------------


def _blocking_key(records: ir.Table, kind: BlockingKey) -> tuple[str, ir.Table]:
    value = records[f"_{kind}"]
    if kind == "email":
        key = value.strip().lower().re_extract(r"^([^@+]+)", 1).re_replace(r"\.", "")
        key = ibis.ifelse(key.length() >= 2, key, ibis.null("string"))
    elif kind == "phone":
        digits = value.re_replace(r"[^0-9]", "")
        key = ibis.ifelse(digits.length() >= 7, digits.right(7), ibis.null("string"))
    else:
        squashed = value.strip().lower().re_replace(r"[\s\.\-_,']+", " ")
        compact = squashed.re_replace(" ", "")
        last_word = squashed.re_extract(r"(\S+)$", 1)
        key = ibis.ifelse(compact.length() >= 1, compact.left(3) + "|" + last_word.left(1), None)
    return kind, records.select(_id=records._id, _key=key).filter(ibis._._key.notnull()).distinct()


def _candidate_pairs(records: ir.Table, keys: list[tuple[str, ir.Table]], max_block_size: int) -> ir.Table:
    unions: list[ir.Table] = []
    skipped = 0
    for kind, keyed in keys:
        sizes = keyed.group_by("_key").aggregate(_size=ibis._.count())
        skipped += int(sizes.filter(sizes._size > max_block_size).count().to_pyarrow().as_py())
        small = sizes.filter(sizes._size.between(2, max_block_size)).select("_key")
        block = keyed.semi_join(small, "_key")
        left = block.select(id_a=block._id, key_a=block._key)
        right = block.select(id_b=block._id, key_b=block._key)
        joined = left.join(right, [left.key_a == right.key_b, left.id_a < right.id_b])
        unions.append(joined.select("id_a", "id_b", via=ibis.literal(kind)))
    if skipped:
        warnings.warn(
            f"{skipped} blocking key(s) are shared by more than {max_block_size} records and proposed "
            "no pairs; raise `max_block_size` to compare them",
            LargeBlockWarning,
            stacklevel=3,
        )
    union = ibis.union(*unions, distinct=True) if len(unions) > 1 else unions[0]
    return union.group_by("id_a", "id_b").aggregate(via=union.via.collect())


def _with_fields(candidates: ir.Table, records: ir.Table, kinds: list[str]) -> ir.Table:
    a = records.select(id_a=records._id, **{f"{k}_a": records[f"_{k}"] for k in kinds})
    b = records.select(id_b=records._id, **{f"{k}_b": records[f"_{k}"] for k in kinds})
    joined = candidates.join(a, "id_a").join(b, "id_b")
    columns = ["id_a", "id_b", "via", *(f"{k}_{side}" for k in kinds for side in ("a", "b"))]
    return joined.select(*columns).order_by("id_a", "id_b")


def _score_pairs(
    pairs: ir.Table, kinds: list[str], threshold: float, batch_size: int, id_type: pa.DataType
) -> pa.Table:
    rows: list[dict[str, Any]] = []
    for batch in _batches(pairs, batch_size):
        for pair in batch.to_pylist():
            scored = _score(pair, kinds)
            if scored["score"] is not None and scored["score"] >= threshold:
                rows.append(scored)
    rows.sort(key=lambda r: (-r["score"], str(r["id_a"]), str(r["id_b"])))
    score = pa.float64()
    schema = pa.schema(
        [("id_a", id_type), ("id_b", id_type)]
        + [(c, score) for c in _MATCH_SCHEMA[2:6]]
        + [("reason", pa.string())]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _batches(pairs: ir.Table, batch_size: int) -> Iterator[pa.RecordBatch]:
    with pairs.to_pyarrow_batches(chunk_size=batch_size) as reader:
        yield from reader


def _score(pair: dict[str, Any], kinds: list[str]) -> dict[str, Any]:
    scores: dict[str, float | None] = {"name": None, "email": None, "phone": None}
    for kind in kinds:
        scores[kind] = _SIMILARITY[kind](pair[f"{kind}_a"], pair[f"{kind}_b"])
    present = {kind: value for kind, value in scores.items() if value is not None}
    weight = sum(MATCH_WEIGHTS[kind] for kind in present)
    total = sum(MATCH_WEIGHTS[kind] * value for kind, value in present.items()) / weight if weight else None
    return {
        "id_a": pair["id_a"],
        "id_b": pair["id_b"],
        "score": None if total is None else round(total, 4),
        "name_score": scores["name"],
        "email_score": scores["email"],
        "phone_score": scores["phone"],
        "reason": _reason(scores, pair["via"]),
    }


def _reason(scores: dict[str, float | None], via: Sequence[str]) -> str:
    parts = []
    for kind, value in scores.items():
        if value is None:
            continue
        parts.append(f"same {kind}" if value >= 0.999 else f"{kind} {value:.2f}")
    missing = [kind for kind, value in scores.items() if value is None]
    if missing:
        parts.append("no " + "/".join(missing) + " to compare")
    return "; ".join(parts) + f" (blocked on {', '.join(sorted(via))})"


def _normalize_text(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return " ".join(re.sub(r"[\.\-_,']+", " ", text).split())


def _name_similarity(a: Any, b: Any) -> float | None:
    from rapidfuzz import fuzz

    left, right = _normalize_text(a or ""), _normalize_text(b or "")
    if not left or not right:
        return None
    return round(float(fuzz.token_sort_ratio(left, right)) / 100.0, 4)


def _email_similarity(a: Any, b: Any) -> float | None:
    from rapidfuzz import fuzz

    left = unicodedata.normalize("NFKC", str(a or "")).strip().lower()
    right = unicodedata.normalize("NFKC", str(b or "")).strip().lower()
    if "@" not in left or "@" not in right:
        return None
    return round(float(fuzz.ratio(left, right)) / 100.0, 4)


def _phone_similarity(a: Any, b: Any) -> float | None:
    from rapidfuzz import fuzz

    left, right = re.sub(r"\D", "", str(a or "")), re.sub(r"\D", "", str(b or ""))
    if len(left) < 7 or len(right) < 7:
        return None
    width = min(len(left), len(right), 11)  # compare national numbers: a country code is not a typo
    return round(float(fuzz.ratio(left[-width:], right[-width:])) / 100.0, 4)


_SIMILARITY = {"name": _name_similarity, "email": _email_similarity, "phone": _phone_similarity}
