"""The ``prepare`` pipeline step: registered, run through run_steps, recorded in meta.runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimass import Workspace
from aimass.exceptions import ConfigError, StepError
from aimass.pipeline import get_step, resolve_params, run_steps


def test_registered_with_its_tables_and_params(workspace: Workspace) -> None:
    step = get_step("prepare")
    assert step.reads == ("raw.*",) and step.writes == ("core.*",)
    params = resolve_params(workspace, step, {"tables": ["orders"]})
    assert params.model_dump() == {"mapping": "mapping.yaml", "tables": ["orders"]}
    with pytest.raises(ConfigError, match="parameters of step 'prepare' are not valid"):
        resolve_params(workspace, step, {"mapping_file": "x.yaml"})


def test_runs_and_reports(written_mapping: Path, demo_raw: Workspace) -> None:
    (run,) = run_steps(demo_raw, ["prepare"])
    result = run.result
    assert result is not None
    assert result.tables == {
        "core.customers": 4,
        "core.products": 2,
        "core.orders": 6,
        "core.events": 3,
        "core.campaigns": 2,
        "core.exposures": 3,
    }
    assert result.figures["duplicates_removed"] == 1
    assert result.figures["duplicates_removed_by_table"]["orders"] == 1
    assert result.figures["unparsed_values"] == 0
    assert result.warnings == []
    assert result.summary.startswith("wrote 6 core table(s), 20 rows; removed 1 duplicate row(s)")
    (chart,) = result.charts
    assert chart["mark"] == "bar" and len(chart["data"]["values"]) == 18
    runs = demo_raw.engine.read_arrow("meta.runs").to_pylist()
    assert [(r["step"], r["status"]) for r in runs] == [("prepare", "ok")]
    assert json.loads(runs[0]["outputs"])["tables"]["core.orders"] == 6


def test_warnings_reach_the_run(written_mapping: Path, demo_raw: Workspace) -> None:
    text = written_mapping.read_text(encoding="utf-8").replace(
        "sent_at: {from: sent_at, parse: datetime}", ""
    )
    written_mapping.write_text(text, encoding="utf-8")
    (run,) = run_steps(demo_raw, ["prepare"], params={"prepare": {"tables": ["exposures"]}})
    assert run.result is not None
    assert run.result.warnings == [
        "core.exposures: raw columns of raw.exposures not mapped to anything: sent_at (map them, pack them "
        "with `unmapped: attrs`, or acknowledge them with `unmapped: ignore`)"
    ]
    assert (
        json.loads(demo_raw.engine.read_arrow("meta.runs").to_pylist()[0]["warnings"]) == run.result.warnings
    )


def test_a_failure_is_recorded_and_leaves_core_alone(written_mapping: Path, demo_raw: Workspace) -> None:
    run_steps(demo_raw, ["prepare"])
    before = demo_raw.engine.row_count("core.orders")
    with pytest.raises(StepError, match="step 'prepare' failed: there is no mapping file"):
        run_steps(demo_raw, ["prepare"], params={"prepare": {"mapping": "missing.yaml"}})
    runs = demo_raw.engine.read_arrow("meta.runs").to_pylist()
    assert [r["status"] for r in runs] == ["ok", "failed"]
    assert demo_raw.engine.row_count("core.orders") == before
