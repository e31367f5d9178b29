"""Prepare: map raw tables onto the canonical model, normalizing values on the way.

``mapping.yaml`` says which raw table fills each canonical table and how each column is cleaned
and parsed; :func:`suggest_mapping` proposes one from column names and value patterns, and
:func:`prepare` applies it, writing ``core.*`` atomically with validation. The normalizers are
small functions that build portable Ibis expressions, so the same mapping runs on DuckDB and on
Spark: dates, money (with units such as 万 and k), phones, emails, Unicode NFKC and whitespace,
categorical synonyms; outliers are flagged (IQR, MAD) and missing values treated by a per-column
policy.
"""

from __future__ import annotations

from aimass.prepare._build import ColumnPlan, TablePlan, plan_table, resolve_path, unmapped_columns
from aimass.prepare._dates import DATETIME_FORMATS, parse_date, parse_datetime
from aimass.prepare._dedupe import (
    DedupeReport,
    LargeBlockWarning,
    dedupe_by_key,
    drop_exact_duplicates,
    match_customers,
)
from aimass.prepare._mapping import (
    DERIVED_COLUMNS,
    ColumnMapping,
    CurrencyPolicy,
    DatePolicy,
    Mapping,
    MissingPolicy,
    PhonePolicy,
    TableMapping,
    load_mapping,
    parse_mapping,
)
from aimass.prepare._missing import MissingReport, apply_missing, fill_missing
from aimass.prepare._money import CURRENCY_SYMBOLS, MONEY_UNITS, money_amount, money_currency, parse_money
from aimass.prepare._outliers import OutlierBounds, OutlierMethod, flag_outliers, outlier_bounds
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
from aimass.prepare._prepare import (
    OutlierReport,
    PrepareResult,
    TableReport,
    UnmappedCategories,
    UnparsedValues,
    prepare,
    prepare_table,
)
from aimass.prepare._suggest import ColumnSuggestion, MappingSuggestion, TableSuggestion, suggest_mapping
from aimass.prepare._synonyms import (
    SynonymTable,
    UnmappedValue,
    harmonize,
    synonym_key,
    synonym_lookup,
    unmapped_values,
)
from aimass.prepare._text import EMAIL_PATTERN, is_valid_email, nfkc, normalize_email, parse_email, squish
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
    "EMAIL_PATTERN",
    "MONEY_UNITS",
    "PHONE_REGIONS",
    "ColumnMapping",
    "ColumnPlan",
    "ColumnSuggestion",
    "CurrencyPolicy",
    "DatePolicy",
    "DedupeReport",
    "LargeBlockWarning",
    "Mapping",
    "MappingSuggestion",
    "MissingPolicy",
    "MissingReport",
    "OutlierBounds",
    "OutlierMethod",
    "OutlierReport",
    "ParsePolicy",
    "Parser",
    "PhonePolicy",
    "PrepareResult",
    "SynonymTable",
    "TableMapping",
    "TablePlan",
    "TableReport",
    "TableSuggestion",
    "Transform",
    "UnmappedCategories",
    "UnmappedValue",
    "UnparsedValues",
    "apply_missing",
    "as_text",
    "dedupe_by_key",
    "drop_exact_duplicates",
    "fill_missing",
    "flag_outliers",
    "get_parser",
    "get_transform",
    "harmonize",
    "is_valid_email",
    "load_mapping",
    "match_customers",
    "money_amount",
    "money_currency",
    "nfkc",
    "normalize_email",
    "normalize_phone",
    "outlier_bounds",
    "parse_boolean",
    "parse_date",
    "parse_datetime",
    "parse_email",
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
    "squish",
    "suggest_mapping",
    "synonym_key",
    "synonym_lookup",
    "transform_names",
    "unmapped_columns",
    "unmapped_values",
]
