"""The canonical tables (``core.*``), declared once: names, types, keys and required columns.

Money is DOUBLE in the workspace currency (``aimass.toml``: ``currency``); times are TIMESTAMP in
UTC; identifiers are text so leading zeros survive; ``attrs`` and ``context`` hold JSON text.
"""

from __future__ import annotations

from dataclasses import dataclass

from aimass._typing import CanonicalType
from aimass.exceptions import ConfigError

__all__ = ["CANONICAL_TABLES", "ColumnSpec", "TableSpec", "table_spec"]


@dataclass(frozen=True)
class ColumnSpec:
    """One declared column of a canonical table."""

    name: str
    type: CanonicalType
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A canonical table.

    Parameters
    ----------
    name : str
        Table name inside ``core``.
    columns : tuple of ColumnSpec
        Declared columns in their canonical order; other columns are kept after them.
    key : tuple of str
        Columns whose values identify a row (unique together, never null).
    any_of : tuple of tuple of str
        Groups of columns of which each row must have at least one non-null value.
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    any_of: tuple[tuple[str, ...], ...] = ()
    description: str = ""

    @property
    def qualified(self) -> str:
        """``core.<name>``."""
        return f"core.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        """Declared column names in order."""
        return tuple(column.name for column in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Columns that must be present and non-null (the key included)."""
        return tuple(column.name for column in self.columns if column.required or column.name in self.key)

    def column(self, name: str) -> ColumnSpec:
        """The declared column ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise ConfigError(f"core.{self.name} has no declared column {name!r}; declared: {self.column_names}")


def _c(name: str, kind: CanonicalType, required: bool = False, description: str = "") -> ColumnSpec:
    return ColumnSpec(name, kind, required, description)


CANONICAL_TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "customers",
            (
                _c("customer_id", "string", True, "the customer's identifier (text)"),
                _c("signup_at", "timestamp"),
                _c("birth_date", "date"),
                _c("gender", "string"),
                _c("region", "string"),
                _c("city", "string"),
                _c("channel", "string", description="acquisition channel"),
                _c("email_hash", "string", description="sha256 of the trimmed, lower-cased email"),
                _c("phone_hash", "string", description="sha256 of the E.164 phone number"),
                _c("attrs", "json"),
            ),
            key=("customer_id",),
            description="one row per customer",
        ),
        TableSpec(
            "products",
            (
                _c("product_id", "string", True),
                _c("name", "string", True),
                _c("category", "string"),
                _c("subcategory", "string"),
                _c("brand", "string"),
                _c("price", "float64", description="list price in the workspace currency"),
                _c("cost", "float64"),
                _c("description", "string"),
                _c("image_path", "string"),
                _c("attrs", "json"),
            ),
            key=("product_id",),
            description="one row per product",
        ),
        TableSpec(
            "orders",
            (
                _c("order_id", "string", True),
                _c("line_no", "int64", True),
                _c("customer_id", "string", True),
                _c("product_id", "string", True),
                _c("ordered_at", "timestamp", True),
                _c("quantity", "float64", True),
                _c("unit_price", "float64", True),
                _c("discount", "float64"),
                _c("amount", "float64", description="quantity * unit_price - discount"),
                _c("channel", "string"),
                _c("payment_method", "string"),
                _c("coupon_id", "string"),
                _c("store_id", "string"),
            ),
            key=("order_id", "line_no"),
            description="one row per order line item",
        ),
        TableSpec(
            "events",
            (
                _c("event_id", "string", True),
                _c("customer_id", "string"),
                _c("session_id", "string"),
                _c("event_type", "string", True),
                _c("occurred_at", "timestamp", True),
                _c("product_id", "string"),
                _c("query", "string"),
                _c("value", "float64"),
                _c("context", "json"),
            ),
            key=("event_id",),
            any_of=(("customer_id", "session_id"),),
            description="one row per behavioural event (view, search, add_to_cart, purchase, feedback)",
        ),
        TableSpec(
            "campaigns",
            (
                _c("campaign_id", "string", True),
                _c("name", "string", True),
                _c("starts_at", "timestamp", True),
                _c("ends_at", "timestamp"),
                _c("channel", "string"),
                _c("offer_type", "string"),
                _c("offer_value", "float64"),
                _c("unit_cost", "float64"),
                _c("budget", "float64"),
            ),
            key=("campaign_id",),
            description="one row per marketing campaign",
        ),
        TableSpec(
            "exposures",
            (
                _c("campaign_id", "string", True),
                _c("customer_id", "string", True),
                _c("assigned_at", "timestamp", True),
                _c("arm", "string", True, "treatment, control, or a variant name"),
                _c("propensity", "float64"),
                _c("cost", "float64"),
                _c("sent_at", "timestamp"),
            ),
            key=("campaign_id", "customer_id"),
            description="who was assigned to which arm of a campaign",
        ),
    )
}


def table_spec(name: str) -> TableSpec:
    """The spec of ``core.<name>`` (``name`` may be qualified).

    Raises
    ------
    ConfigError
        When ``name`` is not a canonical table.
    """
    short = name.removeprefix("core.")
    if short not in CANONICAL_TABLES:
        raise ConfigError(
            f"{name!r} is not a canonical table; the canonical tables are {sorted(CANONICAL_TABLES)}"
        )
    return CANONICAL_TABLES[short]
