"""What the pipeline found and fixed of the problems the demo exports plant, against the truth.

:func:`planted_report` sets three sources side by side, problem by problem:

* ``planted``: what the exporter counted as it wrote each problem (``truth/planted.json``);
* ``found``: what the pipeline's own outputs recorded: the ``profile`` step's JSON reports
  (``reports/profile/<table>.json``), the ``quality`` step's results (``meta.quality_results``), or a
  count over the raw table;
* ``fixed``: what ``prepare`` did about it: its figures in ``meta.runs`` (duplicates removed), or a
  count over ``core.*`` joined to the raw rows (dates and money parsed, empty values filled or kept
  as null, labels folded, contacts hashed as in the clean truth).

Nothing in ``found`` or ``fixed`` is derived from the truth: a row is ``ok`` when ``found`` equals
``planted`` and ``fixed`` equals ``to_fix`` (the planted count left once the repeated rows are
removed, which is what ``prepare`` has to fix).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from aimass.workspace import Workspace

__all__ = ["PLANTED_COLUMNS", "planted_report", "read_planted"]

#: Columns of :func:`planted_report`'s table.
PLANTED_COLUMNS = ("problem", "where", "planted", "found", "fixed", "ok", "to_fix", "found_by", "fixed_by")
#: The quality rules of the demo's ``quality/rules.yaml`` that look for planted problems.
DUPLICATES_RULE = "raw_orders_exact_duplicates"
ISO_DATE_RULE = "raw_orders_order_date_iso"
_ISO_DATE = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
#: A money value without a currency mark (the profiler's "numeric-like").
_NUMBER = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_LINEAGE = "EXCLUDE (_load_id, _source_file, _loaded_at)"
_ORDERS = (
    f"(SELECT DISTINCT * {_LINEAGE} FROM raw.orders) AS r "
    'JOIN core.orders AS c ON c.order_id = trim(r."Order No") AND c.line_no = CAST(r."Line" AS BIGINT)'
)
_CUSTOMERS = 'raw.customers AS r JOIN core.customers AS c ON c.customer_id = trim(r."客户编号")'
_PRODUCTS = "raw.products AS r JOIN core.products AS c ON c.product_id = trim(r.sku)"


@dataclass
class _Outputs:
    """The stored outputs of one workspace that the report reads."""

    workspace: Workspace
    truth: Path

    def profile(self, table: str) -> dict[str, Any] | None:
        path = self.workspace.reports_dir / "profile" / f"{table}.json"
        if not path.is_file():
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def profile_column(self, table: str, column: str, key: str) -> int | None:
        data = self.profile(table)
        if data is None or column not in data["columns"]:
            return None
        stats = data["columns"][column]
        if key == "not_numeric":
            present = int(data["n_rows"]) - int(stats["n_missing"])
            return None if stats.get("n_numeric_like") is None else present - int(stats["n_numeric_like"])
        value = stats.get(key)
        return None if value is None else int(value)

    def profile_duplicates(self, table: str) -> int | None:
        data = self.profile(table)
        return None if data is None else int(data["n_duplicate_rows"])

    def rule_failures(self, rule_id: str) -> int | None:
        if not self.workspace.engine.exists("meta.quality_results"):
            return None
        rows = self.workspace.engine.sql(
            "SELECT n_failed FROM meta.quality_results WHERE rule_id = $rule ORDER BY run_id DESC LIMIT 1",
            {"rule": rule_id},
        ).to_pylist()
        return int(rows[0]["n_failed"]) if rows else None

    def prepare_figures(self) -> dict[str, Any] | None:
        rows = self.workspace.engine.sql(
            "SELECT outputs FROM meta.runs WHERE step = 'prepare' AND status = 'ok' "
            "ORDER BY finished_at DESC LIMIT 1"
        ).to_pylist()
        if not rows or not rows[0]["outputs"]:
            return None
        figures: dict[str, Any] = json.loads(rows[0]["outputs"]).get("figures", {})
        return figures

    def count(self, query: str) -> int | None:
        """The single number ``query`` returns; None when a table it reads does not exist."""
        try:
            rows = self.workspace.engine.sql(query).to_pylist()
        except Exception as error:  # a missing table or column: the step did not run
            if "does not exist" in str(error) or "not found" in str(error).lower():
                return None
            raise
        return int(next(iter(rows[0].values())) or 0) if rows else None


@dataclass
class _Row:
    problem: str
    where: str
    planted: int
    found: Callable[[_Outputs], int | None]
    found_by: str
    fixed: Callable[[_Outputs], int | None]
    fixed_by: str
    to_fix: int


def _profiled(table: str, column: str, key: str) -> Callable[[_Outputs], int | None]:
    """A ``found`` reader: ``key`` of ``column`` in the stored profile of ``raw.<table>``."""
    return lambda outputs: outputs.profile_column(table, column, key)


def _counted(query: str) -> Callable[[_Outputs], int | None]:
    """A reader of the number ``query`` returns."""
    return lambda outputs: outputs.count(query)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _orders_rows(planted: dict[str, Any]) -> list[_Row]:
    columns = planted["columns"]
    rows = [
        _Row(
            "duplicate rows",
            "orders.csv",
            planted["duplicate_rows"],
            lambda o: o.profile_duplicates("orders"),
            "profile",
            lambda o: (o.prepare_figures() or {}).get("duplicates_removed_by_table", {}).get("orders"),
            "prepare: duplicates removed",
            planted["duplicate_rows"],
        ),
        _Row(
            "duplicate rows",
            "orders.csv",
            planted["duplicate_rows"],
            lambda o: o.rule_failures(DUPLICATES_RULE),
            f"rule {DUPLICATES_RULE}",
            lambda o: (o.prepare_figures() or {}).get("duplicates_removed_by_table", {}).get("orders"),
            "prepare: duplicates removed",
            planted["duplicate_rows"],
        ),
        _Row(
            "dates not ISO 8601",
            "orders.csv: Order Date",
            columns["Order Date"]["not_iso"]["rows"],
            lambda o: o.rule_failures(ISO_DATE_RULE),
            f"rule {ISO_DATE_RULE}",
            lambda o: o.count(
                f"SELECT count(*) FROM {_ORDERS} "
                f"WHERE NOT regexp_full_match(r.\"Order Date\", '{_ISO_DATE}') AND c.ordered_at IS NOT NULL"
            ),
            "core.orders.ordered_at parsed",
            columns["Order Date"]["not_iso"]["unique_rows"],
        ),
    ]
    for column, target in (("Unit Price", "unit_price"), ("Discount", "discount"), ("Line Total", "amount")):
        money = columns[column]["currency_strings"]
        raw = f"r.{_quote(column)}"
        rows.append(
            _Row(
                "money with ¥/元/CNY/$/USD",
                f"orders.csv: {column}",
                money["rows"],
                _profiled("orders", column, "not_numeric"),
                "profile: not numeric",
                _counted(
                    f"SELECT count(*) FROM {_ORDERS} WHERE {raw} IS NOT NULL "
                    f"AND NOT regexp_matches({raw}, '{_NUMBER}') AND c.{target} IS NOT NULL"
                ),
                f"core.orders.{target} parsed",
                money["unique_rows"],
            )
        )
    empty_fixes = {
        "Discount": ("c.discount = 0", "core.orders.discount filled with 0"),
        "Channel": ("c.channel IS NULL", "core.orders.channel kept as null (unknown)"),
        "Coupon Code": ("c.coupon_id IS NULL", "core.orders.coupon_id null (no coupon)"),
        "Store": ("c.store_id IS NULL", "core.orders.store_id null (not a store order)"),
    }
    for column, (condition, how) in empty_fixes.items():
        empty = columns[column]["empty"]
        rows.append(
            _Row(
                "empty values",
                f"orders.csv: {column}",
                empty["rows"],
                _profiled("orders", column, "n_missing"),
                "profile: missing",
                _counted(f"SELECT count(*) FROM {_ORDERS} WHERE r.{_quote(column)} IS NULL AND {condition}"),
                how,
                empty["unique_rows"],
            )
        )
    for column, target in (("Channel", "channel"), ("Payment", "payment_method")):
        labels = columns[column]
        rows.append(
            _Row(
                "label spellings",
                f"orders.csv: {column}",
                labels["spellings"],
                _profiled("orders", column, "n_distinct"),
                "profile: distinct",
                _counted(f"SELECT count(DISTINCT {target}) FROM core.orders"),
                f"distinct core.orders.{target} values",
                labels["clean_values"],
            )
        )
    return rows


def _customers_rows(planted: dict[str, Any], truth: Path) -> list[_Row]:
    columns = planted["columns"]
    path = (truth / "clean" / "customers.parquet").as_posix().replace("'", "''")
    clean = f"read_parquet('{path}')"
    gender = columns["Gender"]
    rows = [
        _Row(
            "label spellings",
            "customers.xlsx: Gender",
            gender["spellings"],
            lambda o: o.profile_column("customers", "Gender", "n_distinct"),
            "profile: distinct",
            lambda o: o.count("SELECT count(DISTINCT gender) FROM core.customers"),
            "distinct core.customers.gender values",
            gender["clean_values"],
        )
    ]
    for column, target in (
        ("Gender", "gender"),
        ("Birth Date", "birth_date"),
        ("Email", "email_hash"),
        ("Phone", "phone_hash"),
    ):
        empty = columns[column]["empty"]
        rows.append(
            _Row(
                "empty values",
                f"customers.xlsx: {column}",
                empty,
                _profiled("customers", column, "n_missing"),
                "profile: missing",
                _counted(
                    f"SELECT count(*) FROM {_CUSTOMERS} "
                    f"WHERE r.{_quote(column)} IS NULL AND c.{target} IS NULL"
                ),
                f"core.customers.{target} kept as null",
                empty,
            )
        )
    messy_email = 'r."Email" IS NOT NULL AND r."Email" <> lower(trim(r."Email"))'
    rows.append(
        _Row(
            "emails in mixed case/spaces",
            "customers.xlsx: Email",
            columns["Email"]["messy"],
            lambda o: o.count(f"SELECT count(*) FROM raw.customers AS r WHERE {messy_email}"),
            "raw: not trimmed lower-case",
            lambda o: o.count(
                f"SELECT count(*) FROM {_CUSTOMERS} JOIN {clean} AS t ON t.customer_id = c.customer_id "
                f"WHERE {messy_email} AND c.email_hash = t.email_hash"
            ),
            "core.customers.email_hash equal to the clean truth's",
            columns["Email"]["messy"],
        )
    )
    phone = columns["Phone"]
    rows.append(
        _Row(
            "phones with spaces/+86",
            "customers.xlsx: Phone",
            phone["not_digits"],
            lambda o: o.profile_column("customers", "Phone", "not_numeric"),
            "profile: not numeric",
            lambda o: o.count(
                f"SELECT count(*) FROM {_CUSTOMERS} JOIN {clean} AS t ON t.customer_id = c.customer_id "
                f'WHERE r."Phone" IS NOT NULL AND NOT regexp_matches(r."Phone", \'{_NUMBER}\') '
                "AND c.phone_hash = t.phone_hash"
            ),
            "core.customers.phone_hash equal to the clean truth's",
            phone["not_digits"],
        )
    )
    return rows


def _products_rows(planted: dict[str, Any]) -> list[_Row]:
    price = planted["columns"]["price"]["currency_strings"]
    return [
        _Row(
            "money with ¥/元/CNY/$/USD",
            "products.json: price",
            price,
            lambda o: o.profile_column("products", "price", "not_numeric"),
            "profile: not numeric",
            lambda o: o.count(
                f"SELECT count(*) FROM {_PRODUCTS} WHERE NOT regexp_matches(r.price, '{_NUMBER}') "
                "AND c.price IS NOT NULL"
            ),
            "core.products.price parsed",
            price,
        )
    ]


def read_planted(truth: str | Path) -> dict[str, Any]:
    """``truth/planted.json``: the problems the demo exporter planted (see :mod:`aimass.demo._export`).

    Raises
    ------
    ConfigError
        When the file does not exist (the folder was not written by :func:`aimass.demo.generate`).
    """
    path = Path(truth) / "planted.json"
    if not path.is_file():
        raise ConfigError(
            f"{path} does not exist: the planted problems are recorded by `aimass demo generate`; "
            "run it on this folder (or pass truth= the demo's truth folder)"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def planted_report(workspace: Workspace, truth: str | Path | None = None) -> pd.DataFrame:
    """What the pipeline found and fixed of the demo's planted problems, against the truth.

    Run after ``aimass run --all`` (at least the ``ingest``, ``prepare``, ``quality`` and ``profile``
    steps) on a workspace made by :func:`aimass.demo.generate`.

    Parameters
    ----------
    workspace : Workspace
        The demo workspace.
    truth : str or Path, optional
        The folder holding ``planted.json`` and ``clean/``; default ``<workspace>/truth``.

    Returns
    -------
    pandas.DataFrame
        One row per planted problem and detector, with columns :data:`PLANTED_COLUMNS`:
        ``problem``, ``where`` (file and column), ``planted`` (the exporter's count), ``found`` (what
        the detector named in ``found_by`` recorded), ``fixed`` (what ``fixed_by`` counts in the
        core tables or prepare's figures), ``ok`` (``found == planted`` and ``fixed == to_fix``),
        ``to_fix`` (the planted count left once repeated rows are removed). ``found`` or ``fixed``
        is missing (``<NA>``) when the step that records it has not run.

    Raises
    ------
    ConfigError
        When ``truth/planted.json`` does not exist.
    """
    import pandas as pd

    folder = Path(truth) if truth is not None else Path(workspace.root) / "truth"
    planted = read_planted(folder)
    specs: list[_Row] = []
    if "orders.csv" in planted:
        specs += _orders_rows(planted["orders.csv"])
    if "customers.xlsx" in planted:
        specs += _customers_rows(planted["customers.xlsx"], folder)
    if "products.json" in planted:
        specs += _products_rows(planted["products.json"])
    outputs = _Outputs(workspace, folder)
    records = []
    for spec in specs:
        found, fixed = spec.found(outputs), spec.fixed(outputs)
        records.append(
            {
                "problem": spec.problem,
                "where": spec.where,
                "planted": spec.planted,
                "found": found,
                "fixed": fixed,
                "ok": found == spec.planted and fixed == spec.to_fix,
                "to_fix": spec.to_fix,
                "found_by": spec.found_by,
                "fixed_by": spec.fixed_by,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(PLANTED_COLUMNS))
    for column in ("found", "fixed"):
        frame[column] = frame[column].astype("Int64")
    return frame
