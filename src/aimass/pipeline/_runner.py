"""Running steps: parameters, bookkeeping in ``meta.runs``, and a summary."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from aimass._validation import validation_problems
from aimass.engine import RunRecord, utc_now
from aimass.exceptions import AimassError, ConfigError, StepError
from aimass.pipeline._registry import get_step, order_steps, registered_steps
from aimass.pipeline._step import Step, StepResult
from aimass.workspace import Workspace

__all__ = ["StepRun", "resolve_params", "run_steps"]

#: Called with ("start" | "done" | "failed", step, index, total).
ProgressCallback = Callable[[str, Step, int, int], None]


@dataclass
class StepRun:
    """A finished step run."""

    step: Step
    record: RunRecord
    result: StepResult | None


def resolve_params(workspace: Workspace, step: Step, overrides: Mapping[str, Any] | None = None) -> BaseModel:
    """The step's parameters: ``[steps.<name>]`` in ``aimass.toml``, then ``overrides``, validated."""
    values = {**workspace.settings.steps.get(step.name, {}), **(overrides or {})}
    try:
        return step.params.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(validation_problems(error))
        allowed = ", ".join(step.params.model_fields) or "none"
        raise ConfigError(
            f"parameters of step {step.name!r} are not valid: {problems}. Allowed: {allowed}"
        ) from None


def run_steps(
    workspace: Workspace,
    names: Iterable[str] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    progress: ProgressCallback | None = None,
) -> list[StepRun]:
    """Run steps in dependency order, recording each in ``meta.runs``.

    Parameters
    ----------
    workspace : Workspace
        Where to run.
    names : iterable of str, optional
        The steps to run; all registered steps when omitted.
    params : mapping, optional
        Per-step parameter overrides, ``{"prepare": {"mapping": "other.yaml"}}``.
    progress : callable, optional
        Told when each step starts, ends or fails.

    Returns
    -------
    list of StepRun
        One per step run.

    Raises
    ------
    StepError
        When a step fails; it is recorded as failed, and the steps after it do not run. The runs
        so far are in the exception's ``runs`` attribute.
    """
    chosen = registered_steps() if names is None else order_steps([get_step(n) for n in dict.fromkeys(names)])
    resolved = {s.name: resolve_params(workspace, s, (params or {}).get(s.name)) for s in chosen}
    runs: list[StepRun] = []
    for index, current in enumerate(chosen):
        record = RunRecord(step=current.name, params=resolved[current.name].model_dump(mode="json"))
        if progress:
            progress("start", current, index, len(chosen))
        try:
            result = current.run(workspace, resolved[current.name])
        except Exception as error:
            record.finished_at, record.status = utc_now(), "failed"
            record.error = str(error) if isinstance(error, AimassError) else traceback.format_exc(limit=8)
            workspace.engine.record_run(record)
            runs.append(StepRun(current, record, None))
            if progress:
                progress("failed", current, index, len(chosen))
            failure = StepError(f"step {current.name!r} failed: {error}")
            failure.runs = runs  # type: ignore[attr-defined]
            raise failure from error
        record.finished_at, record.status = utc_now(), "ok"
        record.outputs, record.warnings = result.outputs(), list(result.warnings)
        workspace.engine.record_run(record)
        runs.append(StepRun(current, record, result))
        if progress:
            progress("done", current, index, len(chosen))
    return runs
