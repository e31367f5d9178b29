"""The demo world's exports through its own sources.yaml, campaigns from its HTTP API under uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from aimass import Workspace
from aimass.ingest import ingest_sources

from .._net import serve_in_thread

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from aimass.demo import generate

    root = tmp_path_factory.mktemp("demo")
    generate(root, n_customers=300, seed=1)
    return root


@pytest.fixture
def demo_api(demo: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo's campaigns API under uvicorn in a thread, on a free port; AIMASS_DEMO_API points to it."""
    from aimass.demo import create_demo_api

    with serve_in_thread(create_demo_api(demo)) as base:
        monkeypatch.setenv("AIMASS_DEMO_API", base)
        yield base


def _truth(demo: Path, table: str, column: str) -> set[str]:
    return set(
        pq.read_table(demo / "truth" / "clean" / f"{table}.parquet", columns=[column])[column].to_pylist()
    )


def test_demo_sources_land_with_ids_intact(demo: Path, demo_api: str) -> None:
    with Workspace.open(demo) as workspace:
        results = {result.target: result for result in ingest_sources(workspace)}
        engine = workspace.engine

        assert set(results) == {
            f"raw.{name}" for name in ("orders", "customers", "events", "products", "exposures", "campaigns")
        }
        orders = engine.read_arrow("raw.orders", columns=["Customer ID", "Order No"])
        assert set(orders["Customer ID"].to_pylist()) == _truth(demo, "orders", "customer_id")
        assert all(len(value) == 7 for value in orders["Customer ID"].to_pylist())
        assert set(orders["Order No"].to_pylist()) == _truth(demo, "orders", "order_id")
        customers = engine.read_arrow("raw.customers", columns=["客户编号"])["客户编号"].to_pylist()
        assert set(customers) == _truth(demo, "customers", "customer_id")
        campaigns = engine.read_arrow("raw.campaigns")
        assert set(campaigns["id"].to_pylist()) == _truth(demo, "campaigns", "campaign_id")
        assert {"offer__type", "offer__value"} <= set(campaigns.column_names)
        assert engine.sql("SELECT count(*) AS n FROM meta.loads WHERE status = 'ok'")["n"][0].as_py() == 6


def test_demo_exposures_come_from_the_crm_database_through_the_sql_source(demo: Path, demo_api: str) -> None:
    from aimass.ingest import read_sources

    with Workspace.open(demo) as workspace:
        (entry,) = [source for source in read_sources(workspace) if source.name == "exposures"]
        assert entry.kind == "sql"
        result = entry.ingest(workspace)
        exposures = workspace.engine.read_arrow("raw.exposures")

    assert not (demo / "exports" / "exposures.csv").exists()
    truth_rows = pq.read_metadata(demo / "truth" / "clean" / "exposures.parquet").num_rows
    assert result.rows == exposures.num_rows == truth_rows > 0
    assert set(exposures.column_names) >= {
        "campaign_id",
        "customer_id",
        "arm",
        "assigned_at",
        "sent_at",
        "cost",
    }
    customers = exposures["customer_id"].to_pylist()
    assert all(len(value) == 7 for value in customers)  # text ids: the leading zeros survive
    assert set(customers) <= _truth(demo, "customers", "customer_id")
    (origin,) = set(exposures["_source_file"].to_pylist())
    assert origin.startswith("sqlite:") and "crm.sqlite" in origin
