"""The ``ingest`` pipeline step, run through the pipeline runner as ``aimass run ingest`` does."""

from __future__ import annotations

import json

import pytest

from aimass import Workspace
from aimass.exceptions import StepError
from aimass.pipeline import get_step, run_steps


def _sources(workspace: Workspace, base: str) -> None:
    exports = workspace.root / "exports"
    exports.mkdir()
    (exports / "orders.csv").write_text(
        "Order No,Customer ID,Qty\nSO1,0012345,2\nSO2,0000077,1\n", encoding="utf-8"
    )
    (exports / "events.jsonl").write_text(
        '{"event_id": "E1", "context": {"device": "ios"}}\n', encoding="utf-8"
    )
    (workspace.root / "sources.yaml").write_text(
        "sources:\n"
        "  - {name: orders, kind: files, path: exports/orders.csv}\n"
        "  - {name: events, kind: files, path: exports/events.jsonl}\n"
        f"  - name: campaigns\n    kind: http\n    url: {base}/v1/campaigns\n"
        "    pagination: {style: page_number, size: 5}\n",
        encoding="utf-8",
    )


def test_step_is_registered_with_its_contract() -> None:
    ingest = get_step("ingest")
    assert ingest.reads == ()
    assert ingest.writes == ("raw.*",)
    assert "sources.yaml" in ingest.description


def test_step_loads_every_source(workspace: Workspace, api: tuple[str, list[str]]) -> None:
    _sources(workspace, api[0])

    (run,) = run_steps(workspace, ["ingest"])

    assert run.result is not None
    assert run.result.tables == {"raw.orders": 2, "raw.events": 1, "raw.campaigns": 12}
    assert run.result.summary == "loaded 3 sources, 15 rows"
    assert run.result.figures["rows_loaded"] == 15
    (record,) = workspace.engine.read_arrow("meta.runs").to_pylist()
    assert (record["step"], record["status"]) == ("ingest", "ok")
    assert json.loads(str(record["outputs"]))["tables"]["raw.campaigns"] == 12
    assert workspace.engine.row_count("meta.loads") == 3


def test_step_params_pick_sources(workspace: Workspace, api: tuple[str, list[str]]) -> None:
    _sources(workspace, api[0])

    (run,) = run_steps(workspace, ["ingest"], params={"ingest": {"sources": ["orders"]}})

    assert run.result is not None and run.result.tables == {"raw.orders": 2}
    assert run.result.summary == "loaded 1 source, 2 rows"
    assert workspace.engine.list_tables("raw") == ["raw.orders"]


def test_step_without_sources_yaml_says_how_to_start(workspace: Workspace) -> None:
    with pytest.raises(StepError) as caught:
        run_steps(workspace, ["ingest"])

    message = str(caught.value)
    assert "there is no" in message and "sources.yaml" in message and "aimass ingest FILE" in message
    (record,) = workspace.engine.read_arrow("meta.runs").to_pylist()
    assert record["status"] == "failed"


def test_step_rejects_unknown_params(workspace: Workspace) -> None:
    with pytest.raises(ValueError, match="sourcez"):
        run_steps(workspace, ["ingest"], params={"ingest": {"sourcez": ["orders"]}})
