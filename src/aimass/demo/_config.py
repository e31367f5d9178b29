"""The demo workspace's configuration: ``aimass.toml``, ``sources.yaml`` and the confirmed ``mapping.yaml``.

:func:`write_demo_config` is called by the demo generator once the exports are written, so that
``aimass ingest`` and ``aimass prepare`` (or ``aimass run --all``) work on the demo folder with
nothing else to set up. The mapping is what a user would keep after checking the proposal of
``aimass map --suggest`` on the demo's raw tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aimass.prepare import Mapping

__all__ = ["DEMO_MAPPING_YAML", "DEMO_RULES_YAML", "DEMO_SOURCES_YAML", "demo_mapping", "write_demo_config"]

DEMO_SOURCES_YAML = """\
# sources.yaml: what `aimass ingest` loads into the raw layer (raw.<name>).
# Identifier columns are kept as text so their leading zeros survive.
sources:
  - name: orders
    kind: files
    path: exports/orders.csv
    options: {text_columns: [Order No, Customer ID, SKU, Coupon Code, Store]}
  - name: customers
    kind: files
    path: exports/customers.xlsx
    sheet: customers
  - name: events
    kind: files
    path: exports/events.jsonl
  - name: products
    kind: files
    path: exports/products.json
  # Exposures come from the CRM's database (a SQLite file here; any SQLAlchemy URL works the same).
  - name: exposures
    kind: sql
    url: sqlite:///exports/crm.sqlite
    table: campaign_exposures
  # Campaigns come from the demo's HTTP API (`aimass demo api`), page by page; nested objects
  # arrive flattened with `__` (offer.type -> offer__type).
  - name: campaigns
    kind: http
    url: ${AIMASS_DEMO_API:-http://127.0.0.1:8765}/v1/campaigns
    record_path: data
    pagination: {style: page_number, page_param: page, size_param: per_page, size: 5}
"""

DEMO_MAPPING_YAML = """\
# mapping.yaml: how the demo's raw tables fill the canonical tables (core.*).
# Each column is `target: raw column`, or {from, clean, parse, hash, default}: the value is read
# `from` the raw column (or a field path such as title.en), cleaned (named transforms, in order),
# parsed, hashed, and nulls get the default.
currency:
  base: CNY
  rates: {USD: 7.2}        # the global web shop prices in USD; 1 USD = 7.2 CNY
dates:
  day_first: true          # 05.03.2024 is the 5th of March
tables:
  customers:
    from: raw.customers
    columns:
      customer_id: {from: 客户编号, clean: [trim]}
      signup_at: {from: 注册日期, parse: datetime}
      birth_date: {from: Birth Date, parse: date}
      gender: {from: Gender, clean: [trim, upper, empty_to_null]}      # ' f' -> F
      region: {from: Region, clean: [trim]}
      city: {from: City, clean: [trim]}
      channel: {from: Channel, clean: [trim]}
      email_hash: {from: Email, clean: [trim, lower, empty_to_null], hash: sha256}
      phone_hash: {from: Phone, parse: phone, hash: sha256}          # E.164 first: +8613812345678
  products:
    from: raw.products
    columns:
      product_id: {from: sku, clean: [trim]}
      name: title.en
      category: category
      subcategory: subcategory
      brand: brand
      price: {from: price, parse: money}                              # '¥1,299.00'
      cost: {from: cost, parse: number}
      description: description.en
      image_path: image
      attrs:                                                          # kept as JSON
        pack:
          name_zh: title.zh
          color: attributes.color
          material: attributes.material
          sizes: attributes.sizes
          description_zh: description.zh
  orders:
    from: raw.orders
    dedupe: exact                                                     # about 1% of rows are repeated
    columns:
      order_id: {from: Order No, clean: [trim]}
      line_no: {from: Line, parse: integer}
      customer_id: {from: Customer ID, clean: [trim]}
      product_id: {from: SKU, clean: [trim]}
      ordered_at: {from: Order Date, parse: datetime}                 # five formats in one column
      quantity: {from: Qty, parse: number}
      unit_price: {from: Unit Price, parse: money}                    # ¥, 元, CNY, $ and USD strings
      discount: {from: Discount, parse: money, default: 0}            # empty means no discount
      amount: {from: Line Total, parse: money}
      channel: {from: Channel, clean: [trim, lower, empty_to_null]}   # ' Global_Web ' -> global_web
      payment_method: {from: Payment, clean: [trim, lower, empty_to_null]}
      coupon_id: {from: Coupon Code, clean: [trim, empty_to_null]}
      store_id: {from: Store, clean: [trim, empty_to_null]}
  events:
    from: raw.events
    columns:
      event_id: event_id
      customer_id: customer_id
      session_id: session_id
      event_type: type
      occurred_at: {from: ts, parse: datetime}                        # 2024-03-05T14:22:01Z
      product_id: sku
      query: query
      value: {from: value, parse: number}
      context: context                                                # {device, page, referrer} as JSON
  campaigns:
    from: raw.campaigns
    columns:
      campaign_id: id
      name: name
      starts_at: {from: start, parse: datetime}
      ends_at: {from: end, parse: datetime}
      channel: channel
      offer_type: offer__type
      offer_value: {from: offer__value, parse: number}
      unit_cost: {from: unit_cost, parse: number}
      budget: {from: budget, parse: number}
  exposures:
    from: raw.exposures
    columns:
      campaign_id: {from: campaign_id, clean: [trim]}
      customer_id: {from: customer_id, clean: [trim]}
      arm: {from: arm, clean: [trim]}
      assigned_at: {from: assigned_at, parse: datetime}
      sent_at: {from: sent_at, parse: datetime}                       # blank for the control arm
      cost: {from: cost, parse: number}
"""

DEMO_RULES_YAML = """\
# quality/rules.yaml: what `aimass check` (and the `quality` step) verifies in the demo workspace.
# The raw rules are warnings: they find the mess `aimass prepare` cleans up. The core rules are
# errors: after prepare they must hold. Kinds: not_null, unique, between, in_set, regex, type,
# foreign_key, freshness, row_count, sql (see docs/quality.md).
rules:
  # raw layer: the planted problems
  - id: raw_orders_exact_duplicates
    kind: unique                       # no columns: whole rows (lineage columns left out)
    table: raw.orders
    level: warn
    description: about 1% of the export's rows are repeated right after themselves
  - id: raw_orders_order_date_iso
    kind: regex
    table: raw.orders
    column: Order Date
    pattern: '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}'
    level: warn
    description: the export mixes five date formats; only one in five rows is ISO 8601
  - id: raw_orders_qty_integer
    kind: type
    table: raw.orders
    column: Qty
    type: integer
  - id: raw_customers_id_present
    kind: not_null
    table: raw.customers
    column: 客户编号
  # core layer: what prepare guarantees
  - id: core_orders_key_unique
    kind: unique
    table: core.orders
    columns: [order_id, line_no]
  - id: core_orders_customer_known
    kind: foreign_key
    table: core.orders
    columns: [customer_id]
    to_table: core.customers
  - id: core_orders_quantity_range
    kind: between
    table: core.orders
    column: quantity
    min: 1
    max: 100
  - id: core_orders_channel_values
    kind: in_set
    table: core.orders
    column: channel
    values: [store, online, app, global_web]
  - id: core_orders_channel_known
    kind: not_null
    table: core.orders
    column: channel
    level: warn
    threshold: 0.01                    # 0.5% of orders have no channel in the source system
  - id: core_orders_not_after_as_of
    kind: sql
    table: core.orders
    sql: SELECT * FROM core.orders WHERE ordered_at >= TIMESTAMP '2025-01-01 00:00:00'
    description: no order is dated on or after the world's as_of
  - id: core_events_fresh
    kind: freshness
    table: core.events
    column: occurred_at
    max_age: 2d
    as_of: 2025-01-01T00:00:00Z
  - id: core_customers_id_unique
    kind: unique
    table: core.customers
    columns: customer_id
  - id: core_customers_row_count
    kind: row_count
    table: core.customers
    min: 1
"""


def demo_mapping() -> Mapping:
    """The demo mapping, parsed and checked (an :class:`aimass.prepare.Mapping`)."""
    import yaml

    from aimass.prepare import parse_mapping

    return parse_mapping(yaml.safe_load(DEMO_MAPPING_YAML), source="the demo mapping")


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_demo_config(path: str | Path) -> None:
    """Make ``path`` a workspace ready for ``aimass ingest`` and ``aimass prepare`` on the demo exports.

    Writes ``aimass.toml`` (with the warehouse) when the folder is not a workspace yet, and
    ``sources.yaml``, ``mapping.yaml`` and ``quality/rules.yaml`` (replacing earlier versions, which
    the generator owns).

    Parameters
    ----------
    path : str or pathlib.Path
        The demo folder (the one holding ``exports/``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> write_demo_config(root)
    >>> sorted(p.name for p in root.glob("*.y*ml")), (root / "aimass.toml").exists()
    (['mapping.yaml', 'sources.yaml'], True)
    """
    from aimass.workspace import Workspace

    root = Path(path)
    Workspace.init(root, exist_ok=True).close()
    _write_if_changed(root / "sources.yaml", DEMO_SOURCES_YAML)
    _write_if_changed(root / "mapping.yaml", DEMO_MAPPING_YAML)
    (root / "quality").mkdir(exist_ok=True)
    _write_if_changed(root / "quality" / "rules.yaml", DEMO_RULES_YAML)
