"""Deduplication: exact rows, versions of a key, fuzzy customer matches, and ``aimass dedupe``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import ibis
import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.cli.main import main
from aimass.exceptions import ConfigError, SchemaError
from aimass.prepare._dedupe import (
    LargeBlockWarning,
    dedupe_by_key,
    drop_exact_duplicates,
    match_customers,
)


def _rows(table: Any, *order: str) -> list[dict[str, Any]]:
    return list(table.order_by(*order).to_pyarrow().to_pylist())


# -- exact duplicates ------------------------------------------------------------------------------


def test_exact_duplicates_counts_and_samples() -> None:
    table = ibis.memtable(
        pa.table({"a": [1, 1, 1, 2, 2, 3, None, None], "b": ["x", "x", "x", "y", "y", "z", None, None]})
    )
    out, report = drop_exact_duplicates(table)
    assert _rows(out, "a") == [
        {"a": 1, "b": "x"},
        {"a": 2, "b": "y"},
        {"a": 3, "b": "z"},
        {"a": None, "b": None},
    ]
    assert (report.n_rows_in, report.n_rows_out, report.n_removed) == (8, 4, 4)
    assert report.n_groups_duplicated == 3  # (1, x) three times, (2, y) and (null, null) twice
    assert report.samples[0] == {"a": 1, "b": "x", "n_copies": 3}
    assert sorted(s["n_copies"] for s in report.samples) == [2, 2, 3]
    assert report.to_dict()["n_removed"] == 4 and report.kind == "exact"


def test_exact_duplicates_on_some_columns_keeps_a_deterministic_row() -> None:
    table = ibis.memtable(pa.table({"a": [1, 1, 2], "b": ["y", "x", "z"], "c": [9, 8, 7]}))
    out, report = drop_exact_duplicates(table, ["a"], n_samples=1)
    assert _rows(out, "a") == [{"a": 1, "b": "x", "c": 8}, {"a": 2, "b": "z", "c": 7}]
    assert report.columns == ["a"] and report.n_removed == 1
    assert report.samples == [{"a": 1, "n_copies": 2}]


def test_exact_duplicates_without_any_report_no_samples() -> None:
    out, report = drop_exact_duplicates(ibis.memtable(pa.table({"a": [1, 2, 3]})))
    assert out.count().to_pyarrow().as_py() == 3
    assert (report.n_removed, report.n_groups_duplicated, report.samples) == (0, 0, [])


# -- duplicates by key -----------------------------------------------------------------------------

VERSIONS = {
    "k": [1, 1, 1, 2, 2, 3],
    "v": ["a", "c", "z", "x", "w", "only"],
    "at": [1, 3, None, 5, 5, 2],
}


@pytest.mark.parametrize(
    ("keep", "winners"),
    [("last", ["c", "w", "only"]), ("first", ["a", "w", "only"])],
)
def test_dedupe_by_key_picks_the_version(keep: Any, winners: list[str]) -> None:
    out, report = dedupe_by_key(ibis.memtable(pa.table(VERSIONS)), ["k"], order_by="at", keep=keep)
    # key 1: a null `at` never wins; key 2: a tie on `at` goes to the smaller other column ("w").
    assert [row["v"] for row in _rows(out, "k")] == winners
    assert out.columns == ("k", "v", "at")
    assert (report.n_rows_in, report.n_rows_out, report.n_groups_duplicated) == (6, 3, 2)
    assert report.samples == [{"k": 1, "n_copies": 3}, {"k": 2, "n_copies": 2}]
    assert (report.order_by, report.keep) == ("at", keep)


def test_dedupe_by_key_is_a_window_expression_that_ties_break_the_same_way() -> None:
    table = ibis.memtable(pa.table(VERSIONS))
    out, _ = dedupe_by_key(table, ["k"])
    sql = str(ibis.to_sql(out))
    assert "ROW_NUMBER()" in sql and "PARTITION BY" in sql
    again, _ = dedupe_by_key(table, ["k"])
    assert _rows(out, "k") == _rows(again, "k")
    assert [row["v"] for row in _rows(out, "k")] == ["a", "w", "only"]  # smallest `v`, then `at`


def test_dedupe_orders_by_composite_key_and_load_time(workspace: Workspace) -> None:
    loaded = [dt.datetime(2024, 3, day) for day in (1, 2, 1, 1, 3)]
    raw = pa.table(
        {
            "order_id": ["SO1", "SO1", "SO1", "SO2", "SO2"],
            "line_no": [1, 1, 2, 1, 1],
            "amount": [10.0, 12.0, 5.0, 7.0, 8.0],
            "_loaded_at": pa.array(loaded, pa.timestamp("us")),
        }
    )
    engine = workspace.engine
    engine.write_table("raw.orders_versions", raw)
    out, report = dedupe_by_key(
        engine.scan("raw.orders_versions"), ["order_id", "line_no"], order_by="_loaded_at", keep="last"
    )
    assert engine.write_table("core.orders_latest", out) == 3
    rows = engine.read_arrow("core.orders_latest").sort_by(
        [("order_id", "ascending"), ("line_no", "ascending")]
    )
    assert rows.column("amount").to_pylist() == [12.0, 5.0, 8.0]
    assert (report.n_removed, report.n_groups_duplicated) == (2, 2)


def test_dedupe_bad_arguments_say_what_is_wrong() -> None:
    table = ibis.memtable(pa.table(VERSIONS))
    with pytest.raises(SchemaError, match=r"key \['nope'\] not in the table"):
        dedupe_by_key(table, ["nope"])
    with pytest.raises(SchemaError, match="order_by"):
        dedupe_by_key(table, ["k"], order_by="when")
    with pytest.raises(ConfigError, match="at least one column"):
        dedupe_by_key(table, [])
    with pytest.raises(ConfigError, match="'first' or 'last'"):
        dedupe_by_key(table, ["k"], keep="middle")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="columns"):
        drop_exact_duplicates(table, ["x"])


# -- fuzzy customer matching -----------------------------------------------------------------------

CUSTOMERS = {
    "id": ["c01", "c02", "c03", "c04", "c05", "c06", "c07"],
    "name": ["Zhang Wei", "zhang  wei", "Li Na", "Li Nq", "Wang Fang", "Wang Fang", "Chen Jie"],
    "email": [
        "Wei.Zhang@Example.com",
        " wei.zhang@example.COM",
        "lina@163.com",
        None,
        "wang.fang@qq.com",
        "fang.w@126.com",
        "chenjie@x.com",
    ],
    "phone": [
        None,
        "13800000001",
        "+86 139 1234 5678",
        "139-1234-5678",
        "13700000001",
        "13655554444",
        "13511112222",
    ],
}


def _match(threshold: float = 0.85, **options: Any) -> list[dict[str, Any]]:
    table = ibis.memtable(pa.table(CUSTOMERS))
    pairs = match_customers(
        table, id_column="id", name="name", email="email", phone="phone", threshold=threshold, **options
    )
    assert pairs.column_names == [
        "id_a",
        "id_b",
        "score",
        "name_score",
        "email_score",
        "phone_score",
        "reason",
    ]
    return list(pairs.to_pylist())


def test_fuzzy_finds_exactly_the_planted_duplicates() -> None:
    pairs = _match()
    assert [(p["id_a"], p["id_b"]) for p in pairs] == [("c01", "c02"), ("c03", "c04")]
    same_email, same_phone = pairs
    # Whitespace and case do not matter; c01 has no phone, so only name and email count.
    assert same_email["score"] == 1.0 and same_email["email_score"] == 1.0
    assert same_email["phone_score"] is None
    assert same_email["reason"] == "same name; same email; no phone to compare (blocked on email, name)"
    # "li na" vs "li nq": one substitution = 2 indel edits over 10 characters -> 0.8; the phone with
    # its +86 country code is the same national number -> 1.0; (0.5 * 0.8 + 0.2 * 1.0) / 0.7 = 0.8571.
    assert (same_phone["name_score"], same_phone["phone_score"]) == (0.8, 1.0)
    assert same_phone["email_score"] is None and same_phone["score"] == 0.8571
    assert "blocked on name, phone" in same_phone["reason"]


def test_fuzzy_same_name_different_contacts_is_a_candidate_but_scores_low() -> None:
    pairs = {(p["id_a"], p["id_b"]): p for p in _match(threshold=0.0)}
    namesakes = pairs[("c05", "c06")]
    assert namesakes["name_score"] == 1.0
    assert namesakes["score"] < 0.85
    assert namesakes["reason"].endswith("(blocked on name)")
    # Blocking, not n^2: c07 shares no key with anyone, so it is never compared.
    assert not [key for key in pairs if "c07" in key]
    assert len(pairs) < 7 * 6 // 2


def test_fuzzy_keeps_the_id_type_and_skips_oversized_blocks() -> None:
    emails = ["info@a.com", "info@b.com", "INFO@c.com", "x.y@d.com"]
    table = ibis.memtable(pa.table({"id": [1, 2, 3, 4], "email": emails}))
    with pytest.warns(LargeBlockWarning, match="1 blocking key"):
        pairs = match_customers(table, id_column="id", email="email", threshold=0.0, max_block_size=2)
    assert pairs.num_rows == 0 and pairs.schema.field("id_a").type == pa.int64()
    pairs = match_customers(table, id_column="id", email="email", threshold=0.0)
    assert [(row["id_a"], row["id_b"]) for row in pairs.to_pylist()] == [(1, 2), (1, 3), (2, 3)]


def test_fuzzy_bad_arguments_say_what_is_wrong() -> None:
    table = ibis.memtable(pa.table(CUSTOMERS))
    with pytest.raises(ConfigError, match="at least one of"):
        match_customers(table, id_column="id")
    with pytest.raises(ConfigError, match="threshold"):
        match_customers(table, id_column="id", name="name", threshold=1.5)
    with pytest.raises(ConfigError, match="unknown blocking keys"):
        match_customers(table, id_column="id", name="name", blocking=["zip"])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="none of the blocking keys"):
        match_customers(table, id_column="id", name="name", blocking=["email"])
    with pytest.raises(SchemaError, match="Name"):
        match_customers(table, id_column="id", name="Name")


# -- the command -----------------------------------------------------------------------------------


def test_cli_exact_and_by_key(demo_raw: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(demo_raw.root)
    demo_raw.close()  # the CLI opens the warehouse itself, as another process would
    assert main(["dedupe", "raw.orders", "--json", "-w", root]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["n_rows_in"], data["n_removed"], data["rows_written"]) == (7, 1, None)
    assert data["samples"][0]["Order No"] == "SO00000002" and data["samples"][0]["n_copies"] == 2
    args = ["dedupe", "orders", "--key", "Order No", "--key", "Line", "--order-by", "_loaded_at"]
    assert main([*args, "--out", "raw.orders_clean", "-w", root]) == 0
    out = capsys.readouterr().out
    assert "7 rows, 1 old versions of key Order No, Line" in out and "wrote 6 rows to raw.orders_clean" in out
    with Workspace.open(root) as ws:
        assert ws.engine.row_count("raw.orders_clean") == 6
    assert main([*args, "--keep", "middle", "-w", root]) == 1
    assert "--keep must be 'first' or 'last'" in capsys.readouterr().err


def test_cli_fuzzy_writes_pairs(demo_raw: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(demo_raw.root)
    demo_raw.close()
    args = ["dedupe", "raw.customers", "--fuzzy", "--email", "Email", "--phone", "Phone"]
    assert main([*args, "--out-pairs", "mart.customer_matches", "--json", "-w", root]) == 0
    data = json.loads(capsys.readouterr().out)
    # 0000002 and 0000004: the same email in another case and the same phone without +86.
    assert [(p["id_a"], p["id_b"], p["score"]) for p in data["pairs"]] == [("0000002", "0000004", 1.0)]
    with Workspace.open(root) as ws:
        assert ws.engine.read_arrow("mart.customer_matches").column("id_b").to_pylist() == ["0000004"]
    assert main(["dedupe", "raw.customers", "--fuzzy", "-w", root]) == 1
    assert "--fuzzy needs columns to compare" in capsys.readouterr().err


def test_dedupe_expressions_compile_for_spark(spark_sql: Any) -> None:
    table = ibis.memtable(pa.table(VERSIONS))
    by_key, _ = dedupe_by_key(table, ["k"], order_by="at")
    assert "ROW_NUMBER()" in spark_sql(by_key).upper()
    subset, _ = drop_exact_duplicates(table, ["k", "v"])
    assert "PARTITION BY" in spark_sql(subset).upper()
