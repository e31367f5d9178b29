"""The ``ingest`` pipeline step: every declared source (aimass.toml, sources.yaml) into its raw table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from aimass.ingest._sources import run_sources
from aimass.pipeline import StepResult, step

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = ["IngestParams", "run_ingest"]


class IngestParams(BaseModel):
    """Parameters of the ``ingest`` step (``[steps.ingest]`` in ``aimass.toml``).

    Parameters
    ----------
    sources : list of str, optional
        Sources to load, by name or raw table (``orders`` or ``raw.orders``); every declared source
        when omitted.
    """

    model_config = ConfigDict(extra="forbid")

    sources: list[str] | None = None


@step(
    "ingest",
    reads=(),
    writes=("raw.*",),
    params=IngestParams,
    description="load every source of aimass.toml [sources] and sources.yaml into raw.* with lineage",
)
def run_ingest(workspace: Workspace, params: IngestParams) -> StepResult:
    """Load the sources (the same code as ``aimass ingest --all``) and report the tables with their rows.

    Raises
    ------
    IngestError or ConfigError
        The first failure, after every other source has been loaded.
    """
    outcomes = run_sources(workspace, names=params.sources)
    if failed := [outcome for outcome in outcomes if outcome.error is not None]:
        error = failed[0].error
        assert error is not None
        raise error
    results = [outcome.result for outcome in outcomes if outcome.result is not None]
    engine = workspace.engine
    loaded = sum(result.rows for result in results)
    tables = {result.target: engine.row_count(result.target) for result in results}
    noun = "source" if len(results) == 1 else "sources"
    return StepResult(
        tables=tables,
        figures={
            "sources": len(results),
            "rows_loaded": loaded,
            "rows_new": sum(r.rows_new for r in results),
            "rows_updated": sum(r.rows_updated for r in results),
            "files": sum(len(r.files) for r in results),
        },
        summary=f"loaded {len(results)} {noun}, {loaded:,} rows",
    )
