"""Request and response models of the HTTP API (one model per shape, requests apart from responses)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ColumnInfo",
    "ErrorBody",
    "Health",
    "LoadInfo",
    "LoadList",
    "RecentQuery",
    "RowsQuery",
    "RunInfo",
    "RunList",
    "TableDetail",
    "TableList",
    "TableSummary",
    "TablesQuery",
]

Layer = Literal["raw", "core", "mart", "meta"]


# -- requests -----------------------------------------------------------------------------------
class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TablesQuery(_Query):
    """Query of ``GET /v1/tables``."""

    layer: Layer | None = Field(default=None, description="Only the tables of this layer.")


class RowsQuery(_Query):
    """Query of ``GET /v1/tables/{name}``."""

    limit: Annotated[int, Field(ge=1, le=1000, description="How many first rows to return (1..1000).")] = 20


class RecentQuery(_Query):
    """Query of ``GET /v1/runs`` and ``GET /v1/loads``."""

    limit: Annotated[
        int, Field(ge=1, le=1000, description="How many of the newest rows to return (1..1000).")
    ] = 50


# -- responses ----------------------------------------------------------------------------------
class ErrorBody(BaseModel):
    """What every error answer holds."""

    detail: str = Field(description="What was wrong and, where it helps, what is allowed.")
    error: str | None = Field(
        default=None, description="A machine-readable code, e.g. `warehouse_unavailable`."
    )


class Health(BaseModel):
    """Answer of ``GET /health``."""

    status: Literal["ok"] = "ok"
    version: str
    workspace: str = Field(description="The workspace name from aimass.toml.")


class TableSummary(BaseModel):
    """One warehouse table in a listing."""

    name: str = Field(description="Qualified name, `layer.table`.")
    layer: Layer
    rows: int


class TableList(BaseModel):
    """Answer of ``GET /v1/tables``."""

    tables: list[TableSummary]


class ColumnInfo(BaseModel):
    """A column and its warehouse type."""

    name: str
    type: str


class TableDetail(BaseModel):
    """Answer of ``GET /v1/tables/{name}``: the schema, the size and the first rows."""

    name: str
    layer: Layer
    rows: int
    columns: list[ColumnInfo]
    head: list[dict[str, Any]] = Field(description="The first rows, values made JSON-safe.")


class RunInfo(BaseModel):
    """One pipeline step run from ``meta.runs``."""

    run_id: str
    step: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None = Field(description="Duration, when the run has finished.")
    summary: str = Field(description="The step's one-sentence summary (from `outputs`).")
    tables: dict[str, Any] = Field(description="Tables written, with row counts (from `outputs`).")
    params: dict[str, Any]
    warnings: list[str]
    error: str | None


class RunList(BaseModel):
    """Answer of ``GET /v1/runs``, newest first."""

    runs: list[RunInfo]


class LoadInfo(BaseModel):
    """One source load from ``meta.loads``."""

    load_id: str
    source: str
    target: str
    mode: str
    rows: int
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None
    error: str | None
    details: dict[str, Any]


class LoadList(BaseModel):
    """Answer of ``GET /v1/loads``, newest first."""

    loads: list[LoadInfo]
