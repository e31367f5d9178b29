"""``/v1/tables``: the warehouse's tables, their row counts, schemas and first rows (scope ``read``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Security, status

from aimass.exceptions import ConfigError, TableNotFoundError
from aimass.server.api._responses import KEY_AND_WAREHOUSE
from aimass.server.catalog import describe_table, summarize_tables
from aimass.server.deps import EngineDep, get_api_key
from aimass.server.models import ErrorBody, RowsQuery, TableDetail, TableList, TablesQuery

__all__ = ["router"]

router = APIRouter(
    prefix="/v1/tables",
    tags=["tables"],
    dependencies=[Security(get_api_key, scopes=["read"])],
    responses=KEY_AND_WAREHOUSE,
)


@router.get("", summary="List the tables")
def list_tables(engine: EngineDep, query: Annotated[TablesQuery, Query()]) -> TableList:
    """Every table of the warehouse (or of one layer) with its layer and row count."""
    return TableList(tables=summarize_tables(engine, layer=query.layer))


@router.get(
    "/{name}",
    summary="Describe a table",
    responses={404: {"model": ErrorBody, "description": "No table has that name."}},
)
def get_table(name: str, engine: EngineDep, query: Annotated[RowsQuery, Query()]) -> TableDetail:
    """A table's columns and types, its row count and its first `limit` rows."""
    try:
        return describe_table(engine, name, limit=query.limit)
    except (ConfigError, TableNotFoundError) as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
