"""``mapping.yaml``: how raw tables fill the canonical tables.

A user reads and edits this file, so it is short and forgiving to write, and strict to check:
every error names the file, the table, the column and what is allowed. Example::

    currency: {base: CNY, rates: {USD: 7.2}}   # foreign money is converted to the base currency
    dates: {day_first: true}                   # 05.03.2024 is 5 March
    tables:
      orders:                                  # a canonical table (core.orders)
        from: raw.orders                       # the raw table it is made from
        dedupe: exact                          # drop exact duplicate rows (the default)
        columns:
          order_id: Order No                   # shorthand for {from: Order No}
          ordered_at: {from: Order Date, parse: datetime}
          discount: {from: Discount, parse: money, default: 0}
          channel: {from: Channel, clean: [trim, lower]}
          quantity: {from: Qty, parse: number, outliers: iqr}   # adds quantity__outlier (never drops)
          store_id: {from: Store, missing: {policy: fill_group_mode, by: [channel]}}
      customers:
        from: raw.customers
        unmapped: attrs                        # pack every raw column not named below into attrs
        columns:
          email_hash: {from: Email, clean: [nfkc, email], hash: sha256}
          gender: {from: Gender, synonyms: gender}   # a table of the top-level synonyms section
          attrs: {pack: {vip: VIP Level}}      # or {from: [a, b, c]}
    synonyms:
      gender: {male: [M, 男], female: [F, 女]}   # case/space-insensitive; unmatched values are reported

A column takes its value from one of ``from`` (a raw column, or a field path such as
``title.en``), ``value`` (a constant) or ``pack`` (several columns as one JSON object), then
runs ``clean`` (named transforms, in order), ``synonyms`` (categorical harmonization), ``parse``,
``hash`` and ``default`` (fill for nulls). On the mapped table, ``missing`` then treats missing
values (keep, drop_row, fill_constant, fill_group_median, fill_group_mode), exact duplicates are
dropped, and ``outliers`` adds a flag column ``<column>__outlier``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aimass._validation import read_yaml, validation_problems
from aimass.canonical import CANONICAL_TABLES, TableSpec
from aimass.engine import parse_table_name
from aimass.exceptions import ConfigError
from aimass.prepare._parsers import ParsePolicy, get_parser, parser_names
from aimass.prepare._synonyms import synonym_lookup
from aimass.prepare._transforms import transform_names
from aimass.prepare._typing import (
    DedupeMode,
    HashName,
    MissingPolicyName,
    OutlierMethodName,
    PhoneRegion,
    UnmappedPolicy,
)

__all__ = [
    "DERIVED_COLUMNS",
    "ColumnMapping",
    "CurrencyPolicy",
    "DatePolicy",
    "Mapping",
    "MissingPolicy",
    "PhonePolicy",
    "TableMapping",
    "load_mapping",
    "parse_mapping",
]

MAPPING_FILE = "mapping.yaml"

#: Required canonical columns that prepare computes when a mapping leaves them out.
DERIVED_COLUMNS: dict[str, dict[str, str]] = {
    "orders": {
        "line_no": "numbered 1, 2, ... within each order_id (by product_id)",
        "amount": "quantity * unit_price - discount",
    },
}

Scalar = str | int | float | bool


class _Model(BaseModel):
    """Strict: unknown keys are refused with the list of allowed keys."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        data = cls._expand(data)
        if isinstance(data, dict):
            allowed = [field.alias or name for name, field in cls.model_fields.items()]
            unknown = [str(key) for key in data if key not in allowed and key not in cls.model_fields]
            if unknown:
                raise ValueError(
                    f"unknown key(s) {', '.join(map(repr, unknown))}; allowed keys are {', '.join(allowed)}"
                )
        elif data is not None and not isinstance(data, BaseModel):
            raise ValueError(f"expected a mapping of keys ({', '.join(cls.model_fields)}), got {data!r}")
        return data

    @classmethod
    def _expand(cls, data: Any) -> Any:
        """Turn shorthand input into the full form (overridden where there is shorthand)."""
        return data


class CurrencyPolicy(_Model):
    """How money strings convert: the base currency, rates, extra markers."""

    base: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="default: the workspace currency")
    rates: dict[str, float] = Field(default_factory=dict, description="one unit of each currency, in base")
    symbols: dict[str, str] = Field(default_factory=dict, description="extra markers, e.g. {'¥': 'JPY'}")

    @field_validator("rates")
    @classmethod
    def _check_rates(cls, rates: dict[str, float]) -> dict[str, float]:
        for code, rate in rates.items():
            if len(code) != 3 or not code.isupper() or not code.isalpha():
                raise ValueError(f"{code!r} must be an ISO 4217 code such as USD")
            if not rate > 0:
                raise ValueError(f"the rate of {code} must be > 0 (got {rate})")
        return rates

    @field_validator("symbols")
    @classmethod
    def _check_symbols(cls, symbols: dict[str, str]) -> dict[str, str]:
        for marker, code in symbols.items():
            if len(code) != 3 or not code.isupper() or not code.isalpha():
                raise ValueError(f"{marker}: {code!r} must be an ISO 4217 code such as USD")
        return symbols


class DatePolicy(_Model):
    """How ambiguous numeric dates read: ``day_first: true`` makes ``05.03.2024`` the 5th of March."""

    day_first: bool = True


class PhonePolicy(_Model):
    """The region of phone numbers written without a country code."""

    region: PhoneRegion = "CN"


class MissingPolicy(_Model):
    """What happens to a column's missing values (null or blank text); ``missing: drop_row`` is short."""

    policy: MissingPolicyName = "keep"
    value: Scalar | None = Field(None, description="the constant of fill_constant")
    by: tuple[str, ...] = Field((), description="group columns (canonical names) of the group fills")

    @classmethod
    def _expand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"policy": data}
        if isinstance(data, dict) and isinstance(data.get("by"), str):
            return {**data, "by": [data["by"]]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> MissingPolicy:
        if (self.value is not None) != (self.policy == "fill_constant"):
            raise ValueError("`value` goes with policy fill_constant, and fill_constant needs a `value`")
        if self.by and not self.policy.startswith("fill_group_"):
            raise ValueError(f"`by` goes with fill_group_median or fill_group_mode, not {self.policy}")
        return self


class ColumnMapping(_Model):
    """Where one canonical column's values come from and how they are cleaned."""

    source: str | None = Field(None, alias="from", description="raw column, or field path such as title.en")
    value: Scalar | None = Field(None, description="a constant")
    pack: dict[str, str] | None = Field(None, description="JSON object key -> raw column or path")
    clean: tuple[str, ...] = Field((), description="named transforms, in order")
    parse: str | None = None
    hash: HashName | None = None
    default: Scalar | None = Field(None, description="value for nulls")
    day_first: bool | None = Field(None, description="overrides dates.day_first for this column")
    region: PhoneRegion | None = Field(None, description="overrides phones.region for this column")
    synonyms: dict[str, tuple[str, ...]] | str | None = Field(
        None, description="{canonical: [variants]}, or the name of a table in the top-level synonyms"
    )
    missing: MissingPolicy | None = Field(None, description="keep | drop_row | fill_constant | fill_group_*")
    outliers: OutlierMethodName | None = Field(None, description="flag outliers in <column>__outlier")

    @classmethod
    def _expand(cls, data: Any) -> Any:
        if data is None:
            raise ValueError("no value: write the raw column's name, or {from: ..., parse: ...}")
        if isinstance(data, str):
            return {"from": data}
        if isinstance(data, dict):
            data = dict(data)
            source = data.get("from")
            if isinstance(source, list):  # {from: [a, b]}: pack those columns
                if "pack" in data:
                    raise ValueError("give either `from: [columns...]` or `pack`, not both")
                data.pop("from")
                data["pack"] = source
            if isinstance(data.get("pack"), list):
                data["pack"] = {_pack_key(str(item)): str(item) for item in data["pack"]}
            if isinstance(data.get("clean"), str):
                data["clean"] = [data["clean"]]
        return data

    @model_validator(mode="after")
    def _one_origin(self) -> ColumnMapping:
        given = [
            key
            for key, value in (("from", self.source), ("value", self.value), ("pack", self.pack))
            if value is not None
        ]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of `from`, `value` or `pack` (got {', '.join(given) or 'none'})"
            )
        if self.pack is not None and (self.parse or self.clean or self.hash or self.synonyms is not None):
            raise ValueError(
                "a `pack` column takes no parse, clean, synonyms or hash (those belong to single columns)"
            )
        if self.value is not None and self.synonyms is not None:
            raise ValueError("a constant (`value`) column takes no synonyms")
        if isinstance(self.synonyms, dict):
            synonym_lookup(self.synonyms, where="synonyms: ")
        unknown = [name for name in self.clean if name not in transform_names()]
        if unknown:
            raise ValueError(
                f"clean: unknown transform(s) {unknown}; the transforms are {', '.join(transform_names())}"
            )
        if self.parse is not None and self.parse not in parser_names():
            raise ValueError(
                f"parse: {self.parse!r} is not a parser; the parsers are {', '.join(parser_names())}"
            )
        return self

    def sources(self) -> list[str]:
        """The raw columns (or paths) this column reads."""
        if self.source is not None:
            return [self.source]
        return list((self.pack or {}).values())

    def to_yaml_data(self) -> str | dict[str, Any]:
        """The column as plain data for YAML (shorthand when it is only a source)."""
        data = self.model_dump(by_alias=True, exclude_defaults=True, exclude_none=True)
        if "clean" in data:
            data["clean"] = list(data["clean"])
        if isinstance(data.get("synonyms"), dict):
            data["synonyms"] = {key: list(variants) for key, variants in data["synonyms"].items()}
        if "missing" in data:
            missing = data["missing"]
            data["missing"] = missing.get("policy", "keep") if list(missing) == ["policy"] else missing
            if "by" in missing:
                missing["by"] = list(missing["by"])
        if list(data) == ["from"]:
            return str(data["from"])
        return data


def _pack_key(path: str) -> str:
    return path.replace(".", "_") if "." in path and " " not in path else path


class TableMapping(_Model):
    """One canonical table: its raw source, dedupe policy and columns."""

    source: str = Field(alias="from", description="the raw table, e.g. raw.orders")
    dedupe: DedupeMode = "exact"
    unmapped: UnmappedPolicy = "warn"
    columns: dict[str, ColumnMapping]

    @field_validator("source")
    @classmethod
    def _check_source(cls, source: str) -> str:
        name = parse_table_name(source, default_schema="raw")
        if name.schema != "raw":
            raise ValueError(f"{source!r} must be a raw table (raw.<name>); prepare reads only the raw layer")
        return str(name)

    def to_yaml_data(self) -> dict[str, Any]:
        """The table as plain data for YAML."""
        data: dict[str, Any] = {"from": self.source}
        if self.dedupe != "exact":
            data["dedupe"] = self.dedupe
        if self.unmapped != "warn":
            data["unmapped"] = self.unmapped
        data["columns"] = {name: column.to_yaml_data() for name, column in self.columns.items()}
        return data


class Mapping(_Model):
    """The whole of ``mapping.yaml``."""

    version: Literal[1] = 1
    currency: CurrencyPolicy = Field(default_factory=CurrencyPolicy)
    dates: DatePolicy = Field(default_factory=DatePolicy)
    phones: PhonePolicy = Field(default_factory=PhonePolicy)
    tables: dict[str, TableMapping] = Field(default_factory=dict)
    synonyms: dict[str, dict[str, tuple[str, ...]]] = Field(
        default_factory=dict, description="named synonym tables: {name: {canonical: [variants]}}"
    )

    @field_validator("synonyms")
    @classmethod
    def _check_synonyms(
        cls, synonyms: dict[str, dict[str, tuple[str, ...]]]
    ) -> dict[str, dict[str, tuple[str, ...]]]:
        for name, table in synonyms.items():
            synonym_lookup(table, where=f"{name}: ")
        return synonyms

    def synonym_table(self, column: ColumnMapping) -> dict[str, tuple[str, ...]] | None:
        """The synonym table of ``column``: its own, or the named one (None when it has none)."""
        if isinstance(column.synonyms, str):
            return self.synonyms[column.synonyms]
        return column.synonyms

    def policy(self, column: ColumnMapping, base_currency: str) -> ParsePolicy:
        """The parse policy for ``column`` (its own overrides over the file's)."""
        return ParsePolicy(
            base_currency=self.currency.base or base_currency,
            rates=dict(self.currency.rates),
            symbols=dict(self.currency.symbols),
            day_first=self.dates.day_first if column.day_first is None else column.day_first,
            phone_region=column.region or self.phones.region,
        )

    def to_yaml(self) -> str:
        """The mapping as YAML text (without comments; :func:`load_mapping` reads it back)."""
        data: dict[str, Any] = {}
        currency = self.currency.model_dump(exclude_defaults=True, exclude_none=True)
        if currency:
            data["currency"] = currency
        data["dates"] = self.dates.model_dump()
        if self.phones.region != "CN":
            data["phones"] = self.phones.model_dump()
        if self.synonyms:
            data["synonyms"] = {
                name: {key: list(variants) for key, variants in table.items()}
                for name, table in self.synonyms.items()
            }
        data["tables"] = {name: table.to_yaml_data() for name, table in self.tables.items()}
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def _type_problems(spec: TableSpec, name: str, column: ColumnMapping) -> list[str]:
    declared = spec.column(name)
    problems = []
    if column.parse is not None:
        parser = get_parser(column.parse)
        if declared.type not in parser.fills:
            fitting = [p for p in parser_names() if declared.type in get_parser(p).fills]
            problems.append(
                f"parse: {column.parse} gives values for {', '.join(parser.fills)} columns, but {name} is "
                f"{declared.type}; use one of {', '.join(fitting) or 'no parser (leave parse out)'}"
            )
    if column.pack is not None and declared.type != "json":
        problems.append(
            f"pack makes a JSON object, but {name} is {declared.type}; pack into attrs or context"
        )
    if column.hash is not None and declared.type != "string":
        problems.append(f"hash gives text, but {name} is {declared.type}")
    if column.synonyms is not None and declared.type != "string" and column.parse is None:
        problems.append(f"synonyms give text, but {name} is {declared.type}; add a parse after them")
    numeric = declared.type in ("int64", "float64")
    if column.outliers is not None and not numeric:
        problems.append(f"outliers: {column.outliers} needs a number, but {name} is {declared.type}")
    missing = column.missing
    if missing is not None and missing.policy == "fill_group_median" and not numeric:
        problems.append(f"missing: fill_group_median needs a number, but {name} is {declared.type}")
    if missing is not None and missing.value is not None:
        constant = missing.value
        if numeric and (isinstance(constant, bool) or not isinstance(constant, int | float)):
            problems.append(f"missing.value: {constant!r} must be a number for the {declared.type} column")
        if declared.type == "boolean" and not isinstance(constant, bool):
            problems.append(f"missing.value: {constant!r} must be true or false for the boolean column")
    default = column.default
    if default is not None:
        numeric = declared.type in ("int64", "float64")
        if numeric and (isinstance(default, bool) or not isinstance(default, int | float)):
            problems.append(f"default: {default!r} must be a number for the {declared.type} column {name}")
        if declared.type == "boolean" and not isinstance(default, bool):
            problems.append(f"default: {default!r} must be true or false for the boolean column {name}")
    return problems


def _semantic_problems(mapping: Mapping) -> list[str]:
    """Checks that need the canonical model: table and column names, required columns, types."""
    problems: list[str] = []
    for table, entry in mapping.tables.items():
        if table not in CANONICAL_TABLES:
            problems.append(
                f"tables.{table}: not a canonical table; the canonical tables are "
                f"{', '.join(CANONICAL_TABLES)}"
            )
            continue
        spec = CANONICAL_TABLES[table]
        for name, column in entry.columns.items():
            where = f"tables.{table}.columns.{name}"
            if name not in spec.column_names:
                problems.append(
                    f"{where}: core.{table} has no column {name!r}; its columns are "
                    f"{', '.join(spec.column_names)} (keep other values by packing them into attrs)"
                )
                continue
            problems.extend(f"{where}: {problem}" for problem in _type_problems(spec, name, column))
            if isinstance(column.synonyms, str) and column.synonyms not in mapping.synonyms:
                problems.append(
                    f"{where}: synonyms: there is no synonym table {column.synonyms!r}; the tables are "
                    f"{', '.join(mapping.synonyms) or 'none'} (declare it under the top-level synonyms:)"
                )
            if column.missing is not None:
                unknown_by = [key for key in column.missing.by if key not in entry.columns]
                if unknown_by:
                    problems.append(
                        f"{where}: missing.by: {', '.join(unknown_by)} not mapped in this table; group by "
                        f"mapped columns ({', '.join(entry.columns)})"
                    )
        derived = DERIVED_COLUMNS.get(table, {})
        missing = [name for name in spec.required if name not in entry.columns and name not in derived]
        if missing:
            problems.append(
                f"tables.{table}: the required column(s) {', '.join(missing)} are not mapped "
                f"(core.{table} needs {', '.join(spec.required)})"
            )
        for group in spec.any_of:
            if not any(name in entry.columns for name in group):
                problems.append(f"tables.{table}: map at least one of {', '.join(group)}")
    return problems


def parse_mapping(data: Any, source: str = MAPPING_FILE) -> Mapping:
    """Validate mapping data (as read from YAML).

    Parameters
    ----------
    data : dict
        The parsed YAML.
    source : str, default "mapping.yaml"
        Where the data came from, for messages.

    Returns
    -------
    Mapping
        The checked mapping.

    Raises
    ------
    ConfigError
        Listing every problem as ``<file>: tables.<table>.columns.<column>: <what is wrong and allowed>``.

    Examples
    --------
    >>> m = parse_mapping({"tables": {"campaigns": {"from": "raw.campaigns", "columns": {
    ...     "campaign_id": "id", "name": "name", "starts_at": {"from": "start", "parse": "datetime"}}}}})
    >>> m.tables["campaigns"].columns["starts_at"].parse
    'datetime'
    >>> bad = {"campaign_id": {"from": "id", "prase": "x"}}
    >>> parse_mapping({"tables": {"campaigns": {"from": "raw.c", "columns": bad}}})
    Traceback (most recent call last):
    ...
    aimass.exceptions.ConfigError: mapping.yaml is not valid:
      - tables.campaigns.columns.campaign_id: unknown key(s) 'prase'; allowed keys are from, value, pack, ...
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source} must hold a mapping with the keys currency, dates, phones, tables, "
            f"synonyms; got {data!r}"
        )
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            f"{source} is not valid:\n" + "\n".join(f"  - {line}" for line in validation_problems(error))
        ) from None
    problems = _semantic_problems(mapping)
    if problems:
        raise ConfigError(f"{source} is not valid:\n" + "\n".join(f"  - {line}" for line in problems))
    return mapping


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file.

    Raises
    ------
    ConfigError
        When the file is missing, is not YAML, or does not describe a valid mapping.
    """
    path = Path(path)
    data = read_yaml(
        path,
        missing=f"there is no mapping file {path}; propose one with "
        f"`aimass map --suggest --out {path.name}`, check it, and run again",
    )
    return parse_mapping(data, source=str(path))
