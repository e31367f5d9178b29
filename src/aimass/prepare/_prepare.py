"""``prepare``: apply the mapping, raw -> core, one validated, atomic write per canonical table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aimass.canonical import CANONICAL_TABLES, table_spec, write_core
from aimass.exceptions import ConfigError, SchemaError
from aimass.prepare._build import TablePlan, plan_table
from aimass.prepare._mapping import MAPPING_FILE, Mapping, load_mapping
from aimass.prepare._missing import MissingReport, apply_missing
from aimass.prepare._outliers import OutlierMethod, flag_outliers
from aimass.prepare._synonyms import UnmappedValue, unmapped_values

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = [
    "OutlierReport",
    "PrepareResult",
    "TableReport",
    "UnmappedCategories",
    "UnparsedValues",
    "prepare",
    "prepare_table",
]

_SAMPLES = 5

#: Called with ("start" | "done", canonical table name, index, total).
ProgressCallback = Callable[[str, str, int, int], None]


@dataclass
class UnparsedValues:
    """Values of one column that its parser could not read (they became null)."""

    column: str
    source: str
    parse: str
    count: int
    samples: list[Any] = field(default_factory=list)

    def describe(self, table: str) -> str:
        """One sentence for a warning."""
        shown = ", ".join(repr(sample) for sample in self.samples)
        return (
            f"core.{table}.{self.column}: {self.count} value(s) of {self.source!r} could not be parsed as "
            f"{self.parse} and were left empty, e.g. {shown}"
        )


@dataclass
class UnmappedCategories:
    """Values of a harmonized column that no synonym entry matched (they were kept as they are)."""

    column: str
    source: str
    count: int
    values: list[UnmappedValue] = field(default_factory=list)

    def describe(self, table: str) -> str:
        """One sentence for a warning."""
        shown = ", ".join(f"{item.value!r} ({item.count})" for item in self.values)
        return (
            f"core.{table}.{self.column}: {self.count} value(s) of {self.source!r} match no synonym and were "
            f"kept as they are: {shown} (add them to the synonym table)"
        )


@dataclass
class OutlierReport:
    """The outliers flagged in ``<column>__outlier`` (rows are kept) and the fences used."""

    column: str
    method: OutlierMethod
    n_flagged: int
    lower: float | None
    upper: float | None


@dataclass
class TableReport:
    """What prepare did to one canonical table.

    ``duplicates_removed`` counts exact duplicates only; rows dropped by a ``drop_row`` missing
    policy are in ``missing`` (and :attr:`rows_dropped_missing`).
    """

    table: str
    source: str
    rows_in: int
    duplicates_removed: int
    rows_written: int
    unparsed: list[UnparsedValues] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)
    missing: list[MissingReport] = field(default_factory=list)
    outliers: list[OutlierReport] = field(default_factory=list)
    unmapped_values: list[UnmappedCategories] = field(default_factory=list)

    @property
    def rows_dropped_missing(self) -> int:
        """Rows dropped because a ``drop_row`` column was missing."""
        return sum(item.n_dropped for item in self.missing)

    @property
    def outliers_total(self) -> int:
        """Values flagged as outliers, over all columns."""
        return sum(item.n_flagged for item in self.outliers)

    @property
    def unparsed_total(self) -> int:
        """Values that could not be parsed, over all columns."""
        return sum(item.count for item in self.unparsed)

    def warnings(self) -> list[str]:
        """Unparsed values and unmapped raw columns, as sentences."""
        lines = [item.describe(self.table) for item in self.unparsed]
        lines.extend(item.describe(self.table) for item in self.unmapped_values)
        lines.extend(
            f"core.{self.table}.{item.column}: {item.n_left} missing value(s) could not be filled by "
            f"{item.policy} (their group has no value) and stay empty"
            for item in self.missing
            if item.n_left and item.policy != "keep"
        )
        if self.unmapped:
            lines.append(
                f"core.{self.table}: raw columns of {self.source} not mapped to anything: "
                f"{', '.join(self.unmapped)} (map them, pack them with `unmapped: attrs`, or acknowledge "
                "them with `unmapped: ignore`)"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        data = asdict(self)
        data["unparsed_total"] = self.unparsed_total
        data["missing"] = [item.to_dict() for item in self.missing]
        data["rows_dropped_missing"] = self.rows_dropped_missing
        data["outliers_total"] = self.outliers_total
        return data


@dataclass
class PrepareResult:
    """What :func:`prepare` did, per canonical table (in canonical order)."""

    tables: dict[str, TableReport] = field(default_factory=dict)
    mapping_file: str | None = None

    @property
    def warnings(self) -> list[str]:
        """Every table's warnings."""
        return [line for report in self.tables.values() for line in report.warnings()]

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        return {
            "mapping": self.mapping_file,
            "tables": {name: report.to_dict() for name, report in self.tables.items()},
            "warnings": self.warnings,
        }


def _check_currencies(plan: TablePlan, staged: ir.Table, base: str, rates: Iterable[str]) -> None:
    known = {base, *rates}
    for column in plan.columns:
        if column.currency is None:
            continue
        currency, text = staged[f"currency__{column.name}"], staged[f"text__{column.name}"]
        seen = (
            staged.filter(currency.notnull())
            .group_by(currency=currency)
            .aggregate(rows=lambda t: t.count(), example=text.arbitrary())
            .to_pyarrow()
            .to_pylist()
        )
        unknown = [row for row in seen if row["currency"] not in known]
        if unknown:
            listed = ", ".join(
                f"{row['currency']} ({row['rows']} rows, e.g. {row['example']!r})" for row in unknown
            )
            all_seen = ", ".join(sorted(str(row["currency"]) for row in seen))
            raise ConfigError(
                f"tables.{plan.name}.columns.{column.name}: {plan.source}.{column.source!r} holds amounts in "
                f"{listed} with no rate to {base}. Currencies seen: {all_seen}; rates given: "
                f"{', '.join(sorted(rates)) or 'none'}. Add them as "
                f"`currency: {{rates: {{CODE: <{base} per unit>}}}}` (a '?' code is a marker that is not a "
                "currency; add it under currency.symbols)"
            )


def _measure(plan: TablePlan, staged: ir.Table) -> tuple[int, list[UnparsedValues]]:
    """Rows in and the unparsed values per parsed column: one pass, plus one query per bad column."""
    flagged = [column for column in plan.columns if f"bad__{column.name}" in staged.columns]
    measures = {"rows_in": staged.count()}
    measures |= {f"n__{c.name}": staged[f"bad__{c.name}"].sum() for c in flagged}
    counts = staged.aggregate(**measures).to_pyarrow().to_pylist()[0]
    found = []
    for column in flagged:
        count = int(counts.get(f"n__{column.name}") or 0)
        condition = column.unparsed()
        if not count or condition is None or column.raw is None:
            continue
        samples = (
            plan.raw.filter(condition)
            .select(value=column.raw.cast("string"))
            .distinct()
            .order_by("value")
            .limit(_SAMPLES)
            .to_pyarrow()
            .column("value")
            .to_pylist()
        )
        found.append(UnparsedValues(column.name, str(column.source), str(column.parse), count, samples))
    return int(counts["rows_in"]), found


def _unmapped_categories(plan: TablePlan, staged: ir.Table) -> list[UnmappedCategories]:
    found = []
    for column in plan.columns:
        if column.synonyms is None:
            continue
        count, values = unmapped_values(staged, f"synonym_input__{column.name}", column.synonyms)
        if count:
            found.append(UnmappedCategories(column.name, str(column.source), count, values))
    return found


def _treat_missing(plan: TablePlan, table: ir.Table) -> tuple[ir.Table, list[MissingReport]]:
    reports = []
    for name, column in plan.mapping.columns.items():
        if column.missing is None:
            continue
        policy = column.missing
        table, report = apply_missing(table, name, policy.policy, value=policy.value, by=policy.by)
        reports.append(report)
    return table, reports


def _flag_outliers(plan: TablePlan, table: ir.Table) -> tuple[ir.Table, list[OutlierReport]]:
    flagged = [(name, column.outliers) for name, column in plan.mapping.columns.items() if column.outliers]
    bounds = []
    for name, method in flagged:
        table, found = flag_outliers(table, name, method)
        bounds.append(found)
    if not bounds:
        return table, []
    counts = (
        table.aggregate(**{b.column: table[f"{b.column}__outlier"].cast("int64").sum() for b in bounds})
        .to_pyarrow()
        .to_pylist()[0]
    )
    reports = [
        OutlierReport(b.column, b.method, int(counts[b.column] or 0), b.lower, b.upper) for b in bounds
    ]
    return table, reports


def prepare_table(engine: Engine, name: str, mapping: Mapping, *, base_currency: str) -> TableReport:
    """Build ``core.<name>`` from its raw table as the mapping says, and write it atomically.

    Parameters
    ----------
    engine : Engine
        The warehouse.
    name : str
        A canonical table named in ``mapping``.
    mapping : Mapping
        The mapping.
    base_currency : str
        The workspace currency.

    Returns
    -------
    TableReport
        Rows in, exact duplicates removed, unparsed values per column, rows written, missing-value
        treatment, outliers flagged and values that match no synonym.

    Raises
    ------
    ConfigError
        When a source column is missing, or money is in a currency without a rate.
    SchemaError
        When a required column has values that cannot be parsed, or the result does not fit the
        canonical table; ``core.<name>`` is then left as it was.
    """
    entry = mapping.tables[name]
    raw = engine.scan(entry.source)
    plan = plan_table(raw, name, mapping, base_currency=base_currency, source=entry.source)
    spec = table_spec(name)
    with ExitStack() as stack:
        staged = stack.enter_context(plan.staged().cache())
        _check_currencies(plan, staged, mapping.currency.base or base_currency, mapping.currency.rates)
        rows_in, unparsed = _measure(plan, staged)
        for item in unparsed:
            if item.column in spec.required:
                raise SchemaError(
                    f"{spec.qualified}.{item.column} is required, but {item.count} value(s) of "
                    f"{entry.source}.{item.source!r} could not be parsed as {item.parse}; fix them in the "
                    "source or change the mapping. Nothing was written to this table",
                    table=spec.qualified,
                    column=item.column,
                    samples=[{item.source: sample} for sample in item.samples],
                )
        categories = _unmapped_categories(plan, staged)
        table, missing = _treat_missing(plan, plan.selected(staged))
        table = plan.finish(table)
        if any(column.outliers for column in entry.columns.values()):
            table = stack.enter_context(table.cache())
        table, outliers = _flag_outliers(plan, table)
        written = write_core(engine, name, table)
    dropped = sum(item.n_dropped for item in missing)
    return TableReport(
        table=name,
        source=entry.source,
        rows_in=rows_in,
        duplicates_removed=rows_in - dropped - written if entry.dedupe == "exact" else 0,
        rows_written=written,
        unparsed=unparsed,
        unmapped=plan.unmapped if entry.unmapped == "warn" else [],
        derived=plan.derived,
        missing=missing,
        outliers=outliers,
        unmapped_values=categories,
    )


def _chosen(mapping: Mapping, tables: Iterable[str] | None) -> list[str]:
    ordered = [name for name in CANONICAL_TABLES if name in mapping.tables]
    if tables is None:
        return ordered
    wanted = [name.removeprefix("core.") for name in tables]
    unknown = [name for name in wanted if name not in mapping.tables]
    if unknown:
        raise ConfigError(
            f"the mapping has no table(s) {', '.join(unknown)}; it maps {', '.join(ordered) or 'no tables'}"
        )
    return [name for name in ordered if name in wanted]


def resolve_mapping(workspace: Workspace, mapping: Mapping | str | Path | None) -> tuple[Mapping, str | None]:
    """The mapping to use: given, or read from a file (relative paths are inside the workspace)."""
    if isinstance(mapping, Mapping):
        return mapping, None
    path = workspace.resolve(str(mapping or MAPPING_FILE))
    return load_mapping(path), str(path)


def prepare(
    workspace: Workspace,
    mapping: Mapping | str | Path | None = None,
    tables: Iterable[str] | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> PrepareResult:
    """Apply a mapping: build each canonical table from its raw table and write it to ``core``.

    Each table is one Ibis expression over ``engine.scan(raw table)`` (select, transform, dedupe,
    derived columns), validated and written by :func:`aimass.canonical.write_core`: a table is
    written whole or not at all, and a failure leaves that ``core`` table as it was. Tables are
    done in canonical order; on the first failure the error is raised (tables done before it stay
    written).

    Parameters
    ----------
    workspace : Workspace
        The workspace (its warehouse and currency).
    mapping : Mapping, str or Path, optional
        A mapping, or the path of a mapping file (relative to the workspace); default
        ``mapping.yaml`` in the workspace.
    tables : iterable of str, optional
        Only these canonical tables (default: every table in the mapping).
    progress : callable, optional
        Told ``("start" | "done", table, index, total)``.

    Returns
    -------
    PrepareResult
        A report per table.

    Raises
    ------
    ConfigError
        When the mapping is missing or invalid, names a table it does not map, or does not fit the
        raw tables.
    SchemaError
        When a table's data does not fit its canonical schema.
    """
    chosen_mapping, path = resolve_mapping(workspace, mapping)
    names = _chosen(chosen_mapping, tables)
    engine = workspace.engine
    base = workspace.settings.currency
    if chosen_mapping.currency.base is not None and chosen_mapping.currency.base != base:
        raise ConfigError(
            f"{path or 'the mapping'}: currency.base is {chosen_mapping.currency.base}, but the workspace "
            f"currency (aimass.toml) is {base}; core money columns are in the workspace currency, so make "
            "them equal"
        )
    missing = [
        chosen_mapping.tables[name].source
        for name in names
        if not engine.exists(chosen_mapping.tables[name].source)
    ]
    if missing:
        raise ConfigError(
            f"the raw table(s) {', '.join(missing)} do not exist (raw tables: "
            f"{', '.join(engine.list_tables(schema='raw')) or 'none'}); run `aimass ingest` first"
        )
    result = PrepareResult(mapping_file=path)
    for index, name in enumerate(names):
        if progress:
            progress("start", name, index, len(names))
        result.tables[name] = prepare_table(engine, name, chosen_mapping, base_currency=base)
        if progress:
            progress("done", name, index, len(names))
    return result
