"""Hand-made inputs shared by the report tests: a profile dict and a small raw workspace."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from aimass import Workspace

HOSTILE = "<script>alert('x')</script>"


def profile_dict() -> dict[str, Any]:
    """A profile in the contract's shape, with hostile text in a column name and in a value."""
    return {
        "n_rows": 1000,
        "n_columns": 3,
        "n_duplicate_rows": 7,
        "duplicate_samples": [{"amount": 12.5, HOSTILE: "a", "zip": "00123", "n_copies": 3}],
        "size_bytes": 20480,
        "columns": {
            "amount": {
                "type": "numeric",
                "n_missing": 10,
                "pct_missing": 1.0,
                "n_distinct": 900,
                "min": -3.0,
                "max": 250.0,
                "mean": 41.25,
                "std": 12.0,
                "quantiles": {"0.25": 30.0, "0.5": 40.0, "0.75": 52.0},
                "histogram": {
                    "edges": [0.0, 50.0, 100.0, 150.0, 200.0, 250.0],
                    "counts": [400, 300, 200, 80, 10],
                },
                "n_zeros": 4,
                "n_negative": 2,
                "n_infinite": 0,
            },
            HOSTILE: {
                "type": "categorical",
                "n_missing": 0,
                "pct_missing": 0.0,
                "n_distinct": 2,
                "top_values": [
                    {"value": "<img src=x onerror=alert(1)>", "count": 600},
                    {"value": "b", "count": 400},
                ],
            },
            "zip": {
                "type": "identifier",
                "n_missing": 0,
                "pct_missing": 0.0,
                "n_distinct": 1000,
                "length": {"min": 5, "mean": 5.0, "max": 5},
            },
        },
        "correlations": {
            "pearson": {"columns": ["amount", "zip"], "matrix": [[1.0, 0.87], [0.87, 1.0]]},
            "spearman": {"columns": ["amount", "zip"], "matrix": [[1.0, -0.42], [-0.42, 1.0]]},
            "cramers_v": {"columns": [], "matrix": []},
        },
        "alerts": [
            {"column": "zip", "kind": "unique", "detail": "every value of zip is distinct"},
            {"column": HOSTILE, "kind": "imbalanced", "detail": "60% of rows share the top value"},
            {"column": None, "kind": "duplicates", "detail": "7 exact duplicate rows"},
        ],
    }


def write_raw_tables(workspace: Workspace) -> None:
    """``raw.orders`` (6 rows: one row three times, so 2 duplicates; 2 missing amounts) and
    ``raw.customers`` (4 rows, 1 missing email, no duplicates)."""
    engine = workspace.engine
    orders = pa.table(
        {
            "order_id": ["o1", "o1", "o1", "o2", "o3", "o4"],
            "amount": [10.0, 10.0, 10.0, None, 5.5, None],
            "currency": ["EUR", "EUR", "EUR", "EUR", "USD", "EUR"],
        }
    )
    customers = pa.table(
        {
            "customer_id": ["c1", "c2", "c3", "c4"],
            "email": ["a@x.org", None, "c@x.org", "d@x.org"],
            "city": ["Lyon", "Paris", "Paris", "Nice"],
        }
    )
    engine.write_table("raw.orders", orders)
    engine.write_table("raw.customers", customers)


def write_rule_results(workspace: Workspace) -> None:
    """One quality run: a failed error-level rule (with samples), a warning and a pass."""
    from datetime import datetime

    engine = workspace.engine
    run_id = "quality-20260101T000000-aaaaaaaa"
    runs = pa.table(
        {
            "run_id": [run_id],
            "started_at": [datetime(2026, 1, 1)],
            "finished_at": [datetime(2026, 1, 1, 0, 0, 1)],
            "source": ["quality/rules.yaml"],
            "n_rules": [3],
            "n_passed": [1],
            "n_warned": [1],
            "n_failed": [1],
            "status": ["failed"],
        }
    )
    results = pa.table(
        {
            "run_id": [run_id] * 3,
            "rule_id": ["orders_amount_not_null", "orders_unique_id", "customers_email_not_null"],
            "table_name": ["raw.orders", "raw.orders", "raw.customers"],
            "column_name": ["amount", "order_id", "email"],
            "kind": ["not_null", "unique", "not_null"],
            "level": ["error", "warn", "error"],
            "status": ["fail", "warn", "pass"],
            "n_rows": [6, 6, 4],
            "n_failed": [2, 2, 0],
            "pct_failed": [100 * 2 / 6, 100 * 2 / 6, 0.0],
            "samples": [
                json.dumps([{"order_id": "o2", "amount": None}, {"order_id": "o4", "amount": None}]),
                json.dumps([{"order_id": "o1", "n": 3}]),
                "[]",
            ],
            "detail": ["amount is null", "order_id repeats", None],
        }
    )
    engine.write_table("meta.quality_runs", runs, mode="append")
    engine.write_table("meta.quality_results", results, mode="append")
