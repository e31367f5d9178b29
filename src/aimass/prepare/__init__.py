"""Prepare: map raw tables onto the canonical model, normalizing values on the way.

``mapping.yaml`` says which raw table fills each canonical table and how each column is cleaned
and parsed; :func:`suggest_mapping` proposes one from column names and value patterns, and
:func:`prepare` applies it, writing ``core.*`` atomically with validation. The normalizers are
small functions that build portable Ibis expressions, so the same mapping runs on DuckDB and on
Spark.
"""

from __future__ import annotations

from aimass.prepare._build import ColumnPlan, TablePlan, plan_table, resolve_path, unmapped_columns
from aimass.prepare._dates import DATETIME_FORMATS, parse_date, parse_datetime
from aimass.prepare._mapping import (
    DERIVED_COLUMNS,
    ColumnMapping,
    CurrencyPolicy,
    DatePolicy,
    Mapping,
    PhonePolicy,
    TableMapping,
    load_mapping,
    parse_mapping,
)
from aimass.prepare._money import CURRENCY_SYMBOLS, money_amount, money_currency, parse_money
from aimass.prepare._parsers import (
    ParsePolicy,
    Parser,
    get_parser,
    parse_boolean,
    parse_integer,
    parse_json,
    parse_number,
    parser_names,
    register_parser,
)
from aimass.prepare._phone import PHONE_REGIONS, normalize_phone
from aimass.prepare._prepare import PrepareResult, TableReport, UnparsedValues, prepare, prepare_table
from aimass.prepare._suggest import ColumnSuggestion, MappingSuggestion, TableSuggestion, suggest_mapping
from aimass.prepare._transforms import (
    Transform,
    as_text,
    get_transform,
    register_transform,
    sha256,
    transform_names,
)

__all__ = [
    "CURRENCY_SYMBOLS",
    "DATETIME_FORMATS",
    "DERIVED_COLUMNS",
    "PHONE_REGIONS",
    "ColumnMapping",
    "ColumnPlan",
    "ColumnSuggestion",
    "CurrencyPolicy",
    "DatePolicy",
    "Mapping",
    "MappingSuggestion",
    "ParsePolicy",
    "Parser",
    "PhonePolicy",
    "PrepareResult",
    "TableMapping",
    "TablePlan",
    "TableReport",
    "TableSuggestion",
    "Transform",
    "UnparsedValues",
    "as_text",
    "get_parser",
    "get_transform",
    "load_mapping",
    "money_amount",
    "money_currency",
    "normalize_phone",
    "parse_boolean",
    "parse_date",
    "parse_datetime",
    "parse_integer",
    "parse_json",
    "parse_mapping",
    "parse_money",
    "parse_number",
    "parser_names",
    "plan_table",
    "prepare",
    "prepare_table",
    "register_parser",
    "register_transform",
    "resolve_path",
    "sha256",
    "suggest_mapping",
    "transform_names",
    "unmapped_columns",
]
