"""The pipeline: steps in one registry, run in dependency order, each recorded in ``meta.runs``."""

from __future__ import annotations

from aimass.pipeline._registry import STEP_MODULES, get_step, order_steps, register, registered_steps, step
from aimass.pipeline._runner import StepRun, resolve_params, run_steps
from aimass.pipeline._step import NoParams, Step, StepResult

__all__ = [
    "STEP_MODULES",
    "NoParams",
    "Step",
    "StepResult",
    "StepRun",
    "get_step",
    "order_steps",
    "register",
    "registered_steps",
    "resolve_params",
    "run_steps",
    "step",
]
