"""The one registry of pipeline steps, and their dependency order."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from aimass.exceptions import StepError
from aimass.pipeline._step import NoParams, Step, StepResult

__all__ = ["STEP_MODULES", "get_step", "order_steps", "register", "registered_steps", "step"]

#: Modules that define built-in steps; each issue appends its module here.
STEP_MODULES: tuple[str, ...] = (
    "aimass.ingest._step",
    "aimass.prepare._step",
    "aimass.quality._step",
    "aimass.quality._profile_step",
    "aimass.report._step",
    "aimass.analytics.rfm._step",
    "aimass.analytics.clv._step",
    "aimass.analytics.basket._step",
    "aimass.analytics.churn._step",
    "aimass.analytics.forecast._step",
    "aimass.analytics.stats._step",
    "aimass.analytics._customer360",
    "aimass.recommend._step",
)

_REGISTRY: dict[str, Step] = {}
_loaded = False


def register(new: Step) -> Step:
    """Add a step to the registry (a step of the same name is replaced)."""
    _REGISTRY[new.name] = new
    return new


def step(
    name: str,
    *,
    reads: Iterable[str] = (),
    writes: Iterable[str] = (),
    params: type[BaseModel] = NoParams,
    after: Iterable[str] = (),
    description: str = "",
) -> Callable[[Callable[[Any, Any], StepResult]], Callable[[Any, Any], StepResult]]:
    """Decorator form of :func:`register`.

    Examples
    --------
    In a module listed in ``STEP_MODULES``::

        @step("rfm", reads=["core.orders"], writes=["mart.rfm"], params=RfmParams)
        def rfm(workspace: Workspace, params: RfmParams) -> StepResult:
            ...
    """

    def decorate(function: Callable[[Any, Any], StepResult]) -> Callable[[Any, Any], StepResult]:
        register(
            Step(
                name=name,
                run=function,
                reads=tuple(reads),
                writes=tuple(writes),
                params=params,
                after=tuple(after),
                description=description or (function.__doc__ or "").strip().split("\n")[0],
            )
        )
        return function

    return decorate


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        for module in STEP_MODULES:
            importlib.import_module(module)
        _loaded = True


def registered_steps() -> list[Step]:
    """Every registered step, in dependency order."""
    _load_builtin()
    return order_steps(list(_REGISTRY.values()))


def get_step(name: str) -> Step:
    """The step called ``name``."""
    _load_builtin()
    if name not in _REGISTRY:
        raise StepError(f"there is no step {name!r}; the steps are {sorted(_REGISTRY)}")
    return _REGISTRY[name]


def order_steps(steps: list[Step]) -> list[Step]:
    """Sort steps so every step comes after the steps it depends on (stable otherwise).

    Examples
    --------
    >>> def noop(workspace, params):
    ...     return StepResult()
    >>> load = Step("load", noop, writes=("raw.orders",))
    >>> clean = Step("clean", noop, reads=("raw.*",), writes=("core.orders",))
    >>> [s.name for s in order_steps([clean, load])]
    ['load', 'clean']

    Raises
    ------
    StepError
        When the dependencies form a cycle.
    """
    remaining = list(steps)
    ordered: list[Step] = []
    while remaining:
        for candidate in remaining:
            blockers = [s for s in remaining if s is not candidate and candidate.depends_on(s)]
            if not blockers:
                ordered.append(candidate)
                remaining.remove(candidate)
                break
        else:
            names = ", ".join(s.name for s in remaining)
            raise StepError(f"the steps {names} depend on each other in a cycle")
    return ordered
