"""``/v1/runs`` and ``/v1/loads``: the newest step runs and source loads from ``meta`` (scope ``read``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Security

from aimass.server.api._responses import KEY_AND_WAREHOUSE
from aimass.server.catalog import recent_loads, recent_runs
from aimass.server.deps import EngineDep, get_api_key
from aimass.server.models import LoadList, RecentQuery, RunList

__all__ = ["router"]

router = APIRouter(
    prefix="/v1",
    tags=["runs"],
    dependencies=[Security(get_api_key, scopes=["read"])],
    responses=KEY_AND_WAREHOUSE,
)


@router.get("/runs", summary="Recent step runs")
def list_runs(engine: EngineDep, query: Annotated[RecentQuery, Query()]) -> RunList:
    """The last `limit` rows of `meta.runs`, newest first."""
    return RunList(runs=recent_runs(engine, query.limit))


@router.get("/loads", summary="Recent loads")
def list_loads(engine: EngineDep, query: Annotated[RecentQuery, Query()]) -> LoadList:
    """The last `limit` rows of `meta.loads`, newest first."""
    return LoadList(loads=recent_loads(engine, query.limit))
