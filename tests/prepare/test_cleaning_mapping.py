"""prepare() end to end with the cleaning options of a mapping: clean: [nfkc, email], synonyms,
missing-value policies, outlier flags and money units; exact rows and counts worked out by hand."""

from __future__ import annotations

import hashlib
from typing import Any

import pyarrow as pa
import pytest
import yaml

from aimass import Workspace
from aimass.exceptions import ConfigError
from aimass.prepare import UnmappedValue, load_mapping, parse_mapping, prepare

MAPPING = """\
synonyms:
  gender: {male: [M, 男], female: [F, 女]}
tables:
  customers:
    from: raw.customers
    columns:
      customer_id: id
      gender: {from: gender, synonyms: gender}
      email_hash: {from: email, clean: [nfkc, email], parse: email, hash: sha256}
      region: {from: region, missing: {policy: fill_group_mode, by: [gender]}}
      city: {from: city, missing: drop_row}
  products:
    from: raw.products
    columns:
      product_id: sku
      name: title
      category: {from: category, synonyms: {apparel: [clothes, 服装]}}
      price: {from: price, parse: money, outliers: iqr, missing: {policy: fill_group_median, by: category}}
      cost: {from: cost, missing: {policy: fill_constant, value: 0}}
"""


def _load(workspace: Workspace) -> None:
    workspace.engine.write_table(
        "raw.customers",
        pa.table(
            {
                "id": ["1", "2", "3", "4", "5", "6"],
                "gender": ["M", "男", " female ", "F", "x", "女"],
                "email": ["  A@X.CN", "b@x.cn", "bad@", "ＣＡＴ@x.cn", None, "d@x.cn"],
                "region": ["East", None, "East", "West", None, "West"],
                "city": ["A", "B", "C", "D", "E", None],
            }
        ),
    )
    workspace.engine.write_table(
        "raw.products",
        pa.table(
            {
                "sku": [f"P{i}" for i in range(1, 9)],
                "title": [f"item {i}" for i in range(1, 9)],
                "category": ["Apparel", "clothes", "服装", "apparel ", "toys", "toys", "Toys", "toys"],
                "price": ["100", "110", "¥120", "1.2万", None, "200", "210", "220"],
                "cost": [50.0, None, 60.0, 70.0, 80.0, None, 100.0, 110.0],
            }
        ),
    )
    (workspace.root / "mapping.yaml").write_text(MAPPING, encoding="utf-8")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _rows(workspace: Workspace, table: str, key: str) -> list[dict[str, Any]]:
    return sorted(workspace.engine.read_arrow(table).to_pylist(), key=lambda row: row[key])


def test_customers_are_harmonized_filled_and_reported(workspace: Workspace) -> None:
    _load(workspace)
    report = prepare(workspace, tables=["customers"]).tables["customers"]
    rows = _rows(workspace, "core.customers", "customer_id")
    got = [(r["customer_id"], r["gender"], r["region"], r["city"], r["email_hash"]) for r in rows]
    assert got == [
        ("1", "male", "East", "A", _sha("a@x.cn")),
        ("2", "male", "East", "B", _sha("b@x.cn")),  # region: the mode of the male rows
        ("3", "female", "East", "C", None),  # bad@ is not an email
        ("4", "female", "West", "D", _sha("cat@x.cn")),  # full-width ＣＡＴ -> cat by NFKC
        ("5", "x", None, "E", None),  # 'x' kept; its group has no region to take the mode of
    ]  # row 6 had no city: dropped
    assert (report.rows_in, report.rows_written, report.duplicates_removed) == (6, 5, 0)
    assert report.rows_dropped_missing == 1
    missing = {
        item.column: (item.n_missing, item.n_filled, item.n_dropped, item.n_left) for item in report.missing
    }
    assert missing == {"region": (2, 1, 0, 1), "city": (1, 0, 1, 0)}
    assert [(u.column, u.count, u.values) for u in report.unmapped_values] == [
        ("gender", 1, [UnmappedValue("x", 1)])
    ]
    assert [(u.column, u.count, u.samples) for u in report.unparsed] == [("email_hash", 1, ["bad@"])]
    warnings = " | ".join(report.warnings())
    assert "match no synonym" in warnings and "'x' (1)" in warnings
    assert "1 missing value(s) could not be filled by fill_group_mode" in warnings
    data = report.to_dict()
    assert data["rows_dropped_missing"] == 1
    assert data["missing"][1]["pct_missing"] == pytest.approx(100 / 6, abs=1e-4)


def test_products_money_units_median_fill_and_outlier_flag(workspace: Workspace) -> None:
    _load(workspace)
    report = prepare(workspace, tables=["products"]).tables["products"]
    rows = _rows(workspace, "core.products", "product_id")
    assert [r["category"] for r in rows] == ["apparel"] * 4 + ["toys", "toys", "Toys", "toys"]
    # price: 1.2万 = 12000; P5 is filled with the median of its category (toys: 200, 210, 220)
    assert [r["price"] for r in rows] == [100.0, 110.0, 120.0, 12000.0, 210.0, 200.0, 210.0, 220.0]
    assert [r["cost"] for r in rows] == [50.0, 0.0, 60.0, 70.0, 80.0, 0.0, 100.0, 110.0]
    # IQR on 100 110 120 200 210 210 220 12000: Q1 117.5, Q3 212.5, fences -25 and 355
    assert [r["price__outlier"] for r in rows] == [False, False, False, True, False, False, False, False]
    (outliers,) = report.outliers
    assert (outliers.column, outliers.method, outliers.n_flagged) == ("price", "iqr", 1)
    assert (outliers.lower, outliers.upper) == pytest.approx((-25.0, 355.0))
    assert report.to_dict()["outliers_total"] == 1
    assert {item.column: item.n_filled for item in report.missing} == {"price": 1, "cost": 2}
    assert [(u.column, u.values) for u in report.unmapped_values] == [
        ("category", [UnmappedValue("toys", 3), UnmappedValue("Toys", 1)])
    ]


def test_mapping_round_trips_through_yaml(tmp_path: Any) -> None:
    mapping = parse_mapping(yaml.safe_load(MAPPING))
    path = tmp_path / "m.yaml"
    path.write_text(mapping.to_yaml(), encoding="utf-8")
    again = load_mapping(path)
    assert again == mapping
    column = again.tables["products"].columns["price"]
    assert column.outliers == "iqr" and column.missing is not None and column.missing.by == ("category",)
    assert again.synonym_table(again.tables["customers"].columns["gender"]) == {
        "male": ("M", "男"),
        "female": ("F", "女"),
    }


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ({"from": "g", "synonyms": "sex"}, "there is no synonym table 'sex'; the tables are gender"),
        ({"from": "g", "outliers": "iqr"}, "outliers: iqr needs a number, but gender is string"),
        ({"from": "g", "outliers": "zscore"}, "outliers"),
        ({"from": "g", "missing": {"policy": "fill_group_median"}}, "fill_group_median needs a number"),
        ({"from": "g", "missing": {"policy": "fill_group_mode", "by": ["zone"]}}, "missing.by: zone"),
        ({"from": "g", "missing": {"policy": "fill_constant"}}, "fill_constant needs a `value`"),
        ({"from": "g", "missing": "drop"}, "missing"),
        ({"from": "g", "synonyms": {"m": ["M"], "male": ["m"]}}, "listed under both"),
        ({"value": "x", "synonyms": "gender"}, "a constant (`value`) column takes no synonyms"),
    ],
)
def test_bad_cleaning_options_say_what_is_allowed(column: dict[str, Any], message: str) -> None:
    data = {
        "synonyms": {"gender": {"male": ["M"]}},
        "tables": {
            "customers": {"from": "raw.customers", "columns": {"customer_id": "id", "gender": column}}
        },
    }
    with pytest.raises(ConfigError, match=r"tables\.customers\.columns\.gender") as error:
        parse_mapping(data)
    assert message in str(error.value)
