"""The step registry orders steps by the tables they share, and every run lands in meta.runs."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from pydantic import BaseModel, ConfigDict

from aimass import Workspace
from aimass.exceptions import ConfigError, StepError
from aimass.pipeline import Step, StepResult, order_steps, register, registered_steps, run_steps
from aimass.pipeline._registry import _REGISTRY


class Factor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    factor: int = 2


def _make(workspace: Workspace, params: Factor) -> StepResult:
    rows = workspace.engine.write_table("raw.numbers", pa.table({"n": [1, 2, 3]}))
    return StepResult(tables={"raw.numbers": rows}, summary="made numbers")


def _double(workspace: Workspace, params: Factor) -> StepResult:
    numbers = workspace.engine.scan("raw.numbers")
    rows = workspace.engine.write_table("mart.doubled", numbers.select(n=numbers.n * params.factor))
    return StepResult(tables={"mart.doubled": rows}, figures={"factor": params.factor}, summary="doubled")


def _explode(workspace: Workspace, params: Factor) -> StepResult:
    raise RuntimeError("exploded on purpose")


@pytest.fixture
def steps() -> dict[str, Step]:
    made = {
        "t_make": Step("t_make", _make, writes=("raw.numbers",), params=Factor),
        "t_double": Step("t_double", _double, reads=("raw.*",), writes=("mart.doubled",), params=Factor),
        "t_explode": Step("t_explode", _explode, reads=("mart.doubled",), params=Factor),
    }
    registered_steps()  # load the built-in steps first, so restoring the registry keeps them
    saved = dict(_REGISTRY)
    for item in made.values():
        register(item)
    yield made
    _REGISTRY.clear()
    _REGISTRY.update(saved)


def test_order_follows_reads_and_writes(steps: dict[str, Step]) -> None:
    ordered = order_steps([steps["t_explode"], steps["t_double"], steps["t_make"]])
    assert [s.name for s in ordered] == ["t_make", "t_double", "t_explode"]
    loop_a = Step("a", _make, reads=("mart.b",), writes=("mart.a",))
    loop_b = Step("b", _make, reads=("mart.a",), writes=("mart.b",))
    with pytest.raises(StepError, match="cycle"):
        order_steps([loop_a, loop_b])


def test_run_records_params_and_outputs(workspace: Workspace, steps: dict[str, Step]) -> None:
    runs = run_steps(workspace, ["t_double", "t_make"], params={"t_double": {"factor": 3}})
    assert [r.step.name for r in runs] == ["t_make", "t_double"]
    assert workspace.engine.read_arrow("mart.doubled").column("n").to_pylist() == [3, 6, 9]
    recorded = workspace.engine.sql(
        "SELECT step, status, params, outputs FROM meta.runs ORDER BY started_at"
    ).to_pylist()
    assert [(r["step"], r["status"]) for r in recorded] == [("t_make", "ok"), ("t_double", "ok")]
    assert json.loads(recorded[1]["params"]) == {"factor": 3}
    assert json.loads(recorded[1]["outputs"])["tables"] == {"mart.doubled": 3}


def test_params_from_settings_and_bad_params(workspace: Workspace, steps: dict[str, Step]) -> None:
    workspace.settings.steps["t_double"] = {"factor": 5}
    run_steps(workspace, ["t_make", "t_double"])
    assert workspace.engine.read_arrow("mart.doubled").column("n").to_pylist() == [5, 10, 15]
    with pytest.raises(
        ConfigError, match=r"parameters of step 't_double' are not valid: factor.*Allowed: factor"
    ):
        run_steps(workspace, ["t_double"], params={"t_double": {"factor": "many"}})
    with pytest.raises(ConfigError, match="Extra inputs are not permitted"):
        run_steps(workspace, ["t_double"], params={"t_double": {"speed": 1}})


def test_failure_is_recorded_and_stops_later_steps(workspace: Workspace, steps: dict[str, Step]) -> None:
    with pytest.raises(StepError, match="step 't_explode' failed: exploded on purpose") as info:
        run_steps(workspace, ["t_make", "t_double", "t_explode"])
    assert [r.record.status for r in info.value.runs] == ["ok", "ok", "failed"]  # type: ignore[attr-defined]
    failed = workspace.engine.sql("SELECT error FROM meta.runs WHERE status = 'failed'").column(0).to_pylist()
    assert "exploded on purpose" in failed[0]
    with pytest.raises(StepError, match="there is no step 'nope'"):
        run_steps(workspace, ["nope"])
