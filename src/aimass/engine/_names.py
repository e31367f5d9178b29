"""Table names: ``schema.table`` with plain identifiers, checked before they reach SQL."""

from __future__ import annotations

import re
from typing import NamedTuple

from aimass.exceptions import ConfigError

SCHEMAS: tuple[str, ...] = ("raw", "core", "mart", "meta")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class TableName(NamedTuple):
    """A qualified table name."""

    schema: str
    table: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.table}"


def parse_table_name(name: str, default_schema: str | None = None) -> TableName:
    """Split and check ``"schema.table"``.

    Parameters
    ----------
    name : str
        ``"raw.orders"``, or ``"orders"`` when ``default_schema`` is given.
    default_schema : str, optional
        Schema to use for an unqualified name.

    Raises
    ------
    ConfigError
        When a part is not a plain identifier or the schema is not one of the layers.

    Examples
    --------
    >>> parse_table_name("raw.orders")
    TableName(schema='raw', table='orders')
    >>> str(parse_table_name("orders", default_schema="core"))
    'core.orders'
    """
    parts = name.split(".")
    if len(parts) == 1 and default_schema is not None:
        parts = [default_schema, parts[0]]
    if len(parts) != 2:
        raise ConfigError(f"table name {name!r} must look like 'schema.table' with schema one of {SCHEMAS}")
    schema, table = parts
    if schema not in SCHEMAS:
        raise ConfigError(f"table name {name!r}: schema {schema!r} is not one of {SCHEMAS}")
    if not _IDENTIFIER.match(table):
        raise ConfigError(
            f"table name {name!r}: {table!r} must start with a letter or underscore and hold only "
            "letters, digits and underscores (at most 63 characters)"
        )
    return TableName(schema, table)


def to_identifier(text: str) -> str:
    """Turn a file stem or free text into a table identifier (``"Orders 2024.csv"`` -> ``orders_2024``).

    Examples
    --------
    >>> to_identifier("Orders 2024-Q1")
    'orders_2024_q1'
    >>> to_identifier("2024 sales")
    't_2024_sales'
    """
    cleaned = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    if not cleaned:
        raise ConfigError(f"cannot make a table name from {text!r}; pass one with --table")
    if cleaned[0].isdigit():
        cleaned = f"t_{cleaned}"
    return cleaned[:63]
