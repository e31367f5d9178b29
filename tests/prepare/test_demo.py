"""The demo end to end: generate, ingest (campaigns over its HTTP API), prepare, compare with the truth."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from aimass import Workspace
from aimass.canonical import table_spec
from aimass.demo._config import demo_mapping
from aimass.prepare import PrepareResult, prepare, suggest_mapping

from .._net import serve_in_thread

pytestmark = pytest.mark.slow

TABLES = ("customers", "products", "orders", "events", "campaigns", "exposures")
MONEY = {"unit_price", "discount", "amount", "price", "cost", "offer_value", "unit_cost", "budget", "value"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,000-customer demo world, ingested through its own sources.yaml (campaigns from its API)."""
    from aimass.demo import create_demo_api, generate
    from aimass.ingest import ingest_sources

    root = tmp_path_factory.mktemp("demo")
    generate(root, n_customers=1000, seed=7)
    previous = os.environ.get("AIMASS_DEMO_API")
    try:
        with serve_in_thread(create_demo_api(root)) as base, Workspace.open(root) as workspace:
            os.environ["AIMASS_DEMO_API"] = base
            ingest_sources(workspace)
    finally:
        if previous is None:
            os.environ.pop("AIMASS_DEMO_API", None)
        else:
            os.environ["AIMASS_DEMO_API"] = previous
    return root


@pytest.fixture(scope="module")
def prepared(demo: Path) -> Iterator[tuple[Workspace, PrepareResult]]:
    with Workspace.open(demo) as workspace:
        yield workspace, prepare(workspace)  # the mapping.yaml the generator wrote


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _by_key(rows: list[dict[str, Any]], key: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(row[k] for k in key): {c: _plain(v) for c, v in row.items()} for row in rows}


def _differences(name: str, got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    out = []
    for column, expected in want.items():
        value = got[column]
        if column in MONEY and expected is not None and value is not None:
            same = abs(value - expected) < 0.005  # to the cent
        elif column in ("attrs", "context") and expected is not None and value is not None:
            same = json.loads(value) == json.loads(expected)
        else:
            same = value == expected
        if not same:
            out.append(f"{name}.{column}: {value!r} != {expected!r}")
    return out


@pytest.mark.parametrize("name", TABLES)
def test_core_equals_the_truth(demo: Path, prepared: tuple[Workspace, PrepareResult], name: str) -> None:
    workspace, result = prepared
    key = table_spec(name).key
    truth = _by_key(pq.read_table(demo / "truth" / "clean" / f"{name}.parquet").to_pylist(), key)
    core = _by_key(workspace.engine.read_arrow(f"core.{name}").to_pylist(), key)
    report = result.tables[name]
    assert report.rows_written == len(truth) == len(core)
    assert core.keys() == truth.keys()
    assert report.unparsed == [] and report.unmapped == []
    problems = [line for k, row in truth.items() for line in _differences(name, core[k], row)]
    assert problems[:10] == []


def test_the_repeated_order_lines_are_removed(demo: Path, prepared: tuple[Workspace, PrepareResult]) -> None:
    workspace, result = prepared
    orders = result.tables["orders"]
    assert orders.duplicates_removed == workspace.engine.row_count("raw.orders") - orders.rows_written > 0
    assert result.warnings == []


def test_the_suggestion_finds_the_demo_mapping(demo: Path, prepared: tuple[Workspace, PrepareResult]) -> None:
    workspace, _ = prepared
    suggestion = suggest_mapping(workspace.engine)
    confirmed = demo_mapping()
    assert list(suggestion.mapping.tables) == list(confirmed.tables)
    for table, entry in confirmed.tables.items():
        suggested = suggestion.mapping.tables[table]
        assert suggested.source == entry.source
        for column in table_spec(table).required:
            if column in entry.columns:
                assert suggested.columns[column].source == entry.columns[column].source, (table, column)
    assert set(suggestion.currencies) == {"CNY", "USD"}
    assert suggestion.mapping.dates.day_first is True  # 25.03.2024-style dates only read day first
