"""The ``ingest`` pipeline step: every source of ``sources.yaml`` into its raw table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from aimass.ingest._sources import SOURCES_FILE, ingest_sources
from aimass.pipeline import StepResult, step

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = ["IngestParams", "run_ingest"]


class IngestParams(BaseModel):
    """Parameters of the ``ingest`` step (``[steps.ingest]`` in ``aimass.toml``).

    Parameters
    ----------
    sources : list of str, optional
        Raw tables to load (``orders`` or ``raw.orders``); every source in ``sources.yaml`` when omitted.
    """

    model_config = ConfigDict(extra="forbid")

    sources: list[str] | None = None


@step(
    "ingest",
    reads=(),
    writes=("raw.*",),
    params=IngestParams,
    description=f"load every source of {SOURCES_FILE} (files, HTTP) into raw.* with lineage",
)
def run_ingest(workspace: Workspace, params: IngestParams) -> StepResult:
    """Load the sources and report the tables with their row counts."""
    results = ingest_sources(workspace, names=params.sources)
    engine = workspace.engine
    loaded = sum(result.rows for result in results)
    tables = {result.target: engine.row_count(result.target) for result in results}
    noun = "source" if len(results) == 1 else "sources"
    return StepResult(
        tables=tables,
        figures={"sources": len(results), "rows_loaded": loaded, "files": sum(len(r.files) for r in results)},
        summary=f"loaded {len(results)} {noun}, {loaded:,} rows",
    )
