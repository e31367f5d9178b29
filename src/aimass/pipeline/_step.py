"""A pipeline step: what it reads, what it writes, its typed parameters and its ``run``."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = ["NoParams", "Step", "StepResult"]


class NoParams(BaseModel):
    """Parameters of a step that takes none."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class StepResult:
    """What a step produced.

    Parameters
    ----------
    tables : dict of str to int
        Tables written, with their row counts.
    figures : dict of str to Any
        Headline numbers (e.g. ``{"customers": 20000, "duplicates_removed": 231}``).
    charts : list of dict
        Chart specifications as data (Vega-Lite dicts); ``report/`` and the dashboard render them.
    warnings : list of str
        Things the user should know that did not stop the step.
    summary : str
        One sentence for the run summary.
    """

    tables: dict[str, int] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    charts: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    summary: str = ""

    def outputs(self) -> dict[str, Any]:
        """The part recorded in ``meta.runs.outputs``."""
        return {"tables": self.tables, "figures": self.figures, "summary": self.summary}


@dataclass(frozen=True)
class Step:
    """A unit of the pipeline.

    Parameters
    ----------
    name : str
        Unique name, used by ``aimass run NAME``.
    run : callable
        ``run(workspace, params) -> StepResult``.
    reads : tuple of str
        Tables it reads; ``fnmatch`` patterns such as ``"raw.*"`` are allowed.
    writes : tuple of str
        Tables it writes (patterns allowed).
    params : type of pydantic.BaseModel
        Its parameters; values come from ``[steps.<name>]`` in ``aimass.toml`` and the command line.
    after : tuple of str
        Steps that must run first even when no table links them.
    description : str
        One line for ``aimass run --list``.
    """

    name: str
    run: Callable[[Workspace, Any], StepResult]
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    params: type[BaseModel] = NoParams
    after: tuple[str, ...] = ()
    description: str = ""

    def depends_on(self, other: Step) -> bool:
        """Whether this step reads something ``other`` writes (or names it in ``after``)."""
        if other.name in self.after:
            return True
        return any(_overlap(read, written) for read in self.reads for written in other.writes)


def _overlap(read: str, written: str) -> bool:
    return fnmatch.fnmatchcase(written, read) or fnmatch.fnmatchcase(read, written)
