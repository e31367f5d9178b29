"""From a table mapping to Ibis expressions over the raw table (nothing runs here)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt

from aimass.canonical import table_spec
from aimass.engine import LINEAGE_COLUMNS
from aimass.exceptions import ConfigError
from aimass.prepare._mapping import DERIVED_COLUMNS, ColumnMapping, Mapping, TableMapping
from aimass.prepare._money import money_currency
from aimass.prepare._parsers import get_parser
from aimass.prepare._synonyms import harmonize
from aimass.prepare._transforms import get_transform, sha256

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["ColumnPlan", "TablePlan", "plan_table", "resolve_path", "unmapped_columns"]


def _close(name: str, options: list[str]) -> str:
    matches = difflib.get_close_matches(name, options, n=3, cutoff=0.5)
    return f" (did you mean {', '.join(map(repr, matches))}?)" if matches else ""


def resolve_path(table: ir.Table, path: str, *, where: str = "") -> ir.Value:
    """The column ``path`` of ``table``: a column name, or ``column.field.field`` into structs.

    Raises
    ------
    ConfigError
        When the column or a field does not exist; the message lists what does.
    """
    if path in table.columns:
        return table[path]
    head, *fields = path.split(".")
    if head not in table.columns or not fields:
        columns = [c for c in table.columns if c not in LINEAGE_COLUMNS]
        raise ConfigError(
            f"{where}there is no column {path!r}{_close(path, columns)}; the columns are {columns}"
        )
    value: ir.Value = table[head]
    walked = head
    for name in fields:
        kind = value.type()
        if not kind.is_struct():
            raise ConfigError(f"{where}{walked!r} is {kind}, not a struct, so it has no field {name!r}")
        names = list(kind.names)
        if name not in names:
            raise ConfigError(
                f"{where}{walked!r} has no field {name!r}{_close(name, names)}; its fields are {names}"
            )
        value = value[name]
        walked = f"{walked}.{name}"
    return value


@dataclass
class ColumnPlan:
    """One canonical column: its final expression, and what is needed to report on it."""

    name: str
    value: ir.Value
    source: str | None = None
    raw: ir.Value | None = None
    parse: str | None = None
    parse_input: ir.Value | None = None
    parsed: ir.Value | None = None
    currency: ir.Value | None = None
    synonyms: dict[str, tuple[str, ...]] | None = None
    synonym_input: ir.Value | None = None

    def unparsed(self) -> ir.BooleanValue | None:
        """True where the parser was given a value and returned null."""
        if self.parse_input is None or self.parsed is None:
            return None
        given = self.parse_input.notnull()
        if self.parse_input.type().is_string():
            given = given & (self.parse_input.strip() != "")
        return given & self.parsed.isnull()


@dataclass
class TablePlan:
    """A canonical table built from one raw table."""

    name: str
    source: str
    raw: ir.Table
    mapping: TableMapping
    columns: list[ColumnPlan]
    unmapped: list[str] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)

    def staged(self) -> ir.Table:
        """One select over the raw table: every mapped column, then what the report needs.

        For each parsed column a flag ``bad__<column>`` (the parser was given a value and returned
        null); for each money column its currency ``currency__<column>`` and parser input
        ``text__<column>``; for each harmonized column its value before the synonyms,
        ``synonym_input__<column>``. Prepare caches this (``Table.cache``), so the raw table is read and the
        normalizers run once, however many checks follow.
        """
        values = {column.name: column.value for column in self.columns}
        flags = {f"bad__{c.name}": flag for c in self.columns if (flag := c.unparsed()) is not None}
        money = [column for column in self.columns if column.currency is not None]
        currencies = {f"currency__{c.name}": c.currency for c in money}
        texts = {f"text__{c.name}": c.parse_input for c in money}
        inputs = {
            f"synonym_input__{c.name}": c.synonym_input for c in self.columns if c.synonym_input is not None
        }
        return self.raw.select(**values, **flags, **currencies, **texts, **inputs)

    def selected(self, staged: ir.Table) -> ir.Table:
        """The mapped columns of :meth:`staged` (where missing-value policies apply)."""
        return staged.select(*(column.name for column in self.columns))

    def finish(self, table: ir.Table) -> ir.Table:
        """:meth:`selected` rows deduplicated (``dedupe: exact``), derived columns added."""
        if self.mapping.dedupe == "exact":
            table = table.distinct()
        return _add_derived(table, self.derived)

    def output(self, staged: ir.Table) -> ir.Table:
        """The rows to write from :meth:`staged`: mapped columns, deduplicated, derived columns added."""
        return self.finish(self.selected(staged))


def _column(
    raw: ir.Table, name: str, column: ColumnMapping, policy_of: Mapping, base: str, where: str
) -> ColumnPlan:
    if column.value is not None:
        return ColumnPlan(name, ibis.literal(column.value))
    if column.pack is not None:
        entries = {key: resolve_path(raw, path, where=where) for key, path in column.pack.items()}
        value = ibis.struct(entries) if entries else ibis.null(dt.string)
        return ColumnPlan(name, value, source=", ".join(column.pack.values()))
    assert column.source is not None
    original = resolve_path(raw, column.source, where=where)
    value = original
    try:
        for transform in column.clean:
            value = get_transform(transform)(value)
        plan = ColumnPlan(name, value, source=column.source, raw=original)
        synonyms = policy_of.synonym_table(column)
        if synonyms is not None:
            plan.synonyms, plan.synonym_input = synonyms, value
            value = harmonize(value, synonyms)
        if column.parse is not None:
            policy = policy_of.policy(column, base)
            plan.parse, plan.parse_input = column.parse, value
            value = get_parser(column.parse).function(value, policy)
            plan.parsed = value
            if column.parse == "money" and value.type().is_floating() and plan.parse_input.type().is_string():
                plan.currency = money_currency(
                    plan.parse_input, base=policy.base_currency, symbols=policy.symbols
                )
        if column.hash == "sha256":
            value = sha256(value)
    except ConfigError as error:
        raise ConfigError(f"{where}{error}") from None
    if column.default is not None:
        value = value.fill_null(ibis.literal(column.default).cast(value.type()))
    plan.value = value
    return plan


def _numeric(value: ir.Value) -> ir.NumericValue:
    if value.type().is_numeric():
        return value.cast("float64")
    return value.try_cast("float64")


def _add_derived(table: ir.Table, derived: dict[str, str]) -> ir.Table:
    additions: dict[str, ir.Value] = {}
    if "amount" in derived:
        discount = _numeric(table.discount).fill_null(0) if "discount" in table.columns else 0
        additions["amount"] = (_numeric(table.quantity) * _numeric(table.unit_price) - discount).round(4)
    if "line_no" in derived:
        order = [table[name] for name in ("product_id", "quantity", "unit_price") if name in table.columns]
        additions["line_no"] = ibis.row_number().over(group_by=table.order_id, order_by=order) + 1
    return table.mutate(**additions) if additions else table


def unmapped_columns(table: ir.Table, used: list[str]) -> list[str]:
    """Raw columns (and fields of partly used structs, as ``column.field``) that nothing reads.

    Lineage columns (``_load_id``, ``_source_file``, ``_loaded_at``) are never reported.
    """
    whole = set(used)
    left: list[str] = []
    for name in table.columns:
        if name in whole or name in LINEAGE_COLUMNS:
            continue
        prefix = f"{name}."
        fields = [path.removeprefix(prefix).split(".")[0] for path in used if path.startswith(prefix)]
        kind = table[name].type()
        if not fields or not kind.is_struct():
            left.append(name)
            continue
        left.extend(f"{name}.{other}" for other in kind.names if other not in fields)
    return left


def plan_table(
    engine_table: ir.Table, name: str, mapping: Mapping, *, base_currency: str, source: str
) -> TablePlan:
    """Build the expressions that turn one raw table into ``core.<name>``.

    Parameters
    ----------
    engine_table : ibis.expr.types.Table
        The raw table (``engine.scan(source)``).
    name : str
        The canonical table.
    mapping : Mapping
        The whole mapping (its policies apply).
    base_currency : str
        The workspace currency, used when the mapping names none.
    source : str
        The raw table's name, for messages.

    Raises
    ------
    ConfigError
        When a source column is missing or cannot be parsed as asked.
    """
    entry = mapping.tables[name]
    spec = table_spec(name)
    prefix = f"tables.{name}.columns"
    columns = [
        _column(engine_table, target, column, mapping, base_currency, f"{prefix}.{target} (in {source}): ")
        for target, column in entry.columns.items()
    ]
    unmapped = unmapped_columns(
        engine_table, [path for column in entry.columns.values() for path in column.sources()]
    )
    if entry.unmapped == "attrs" and unmapped:
        if "attrs" not in spec.column_names:
            raise ConfigError(
                f"tables.{name}: unmapped: attrs, but core.{name} has no attrs column; use warn or ignore"
            )
        packed = dict(entry.columns["attrs"].pack or {}) if "attrs" in entry.columns else {}
        packed.update({column.replace(".", "_"): column for column in unmapped})
        columns = [c for c in columns if c.name != "attrs"]
        columns.append(
            _column(engine_table, "attrs", ColumnMapping(pack=packed), mapping, base_currency, prefix)
        )
        unmapped = []
    derived = {
        column: how for column, how in DERIVED_COLUMNS.get(name, {}).items() if column not in entry.columns
    }
    return TablePlan(name, source, engine_table, entry, columns, unmapped, derived)
