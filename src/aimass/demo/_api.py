"""The demo HTTP API: the campaigns of the demo retailer, served page by page.

The campaigns are not exported as a file; a real company's marketing tool would serve them over HTTP,
and so does this API (read from ``<path>/truth/clean/campaigns.parquet``)::

    GET /health                          -> {"status": "ok", "campaigns": 12}
    GET /v1/campaigns?page=1&per_page=5  -> {"data": [...], "page": 1, "per_page": 5, "total": 12,
                                             "next_page": 2}

Each campaign is ``{"id", "name", "start", "end", "channel", "offer": {"type", "value"}, "unit_cost",
"budget"}`` with times as ISO 8601 strings in UTC (``2024-04-01T00:00:00Z``). ``page`` must be >= 1 and
``per_page`` in 1..100 (default 10); anything else is answered with 422 and a message saying what is
allowed. A page past the last one has an empty ``data`` list.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

__all__ = ["Campaign", "CampaignPage", "Offer", "create_demo_api", "read_campaigns", "serve_api"]

MAX_PER_PAGE = 100


class Offer(BaseModel):
    """What a campaign offers: ``coupon``, ``percent_off``, ``free_shipping`` or ``none``, and its value."""

    type: str
    value: float | None


class Campaign(BaseModel):
    """One campaign as the marketing tool serves it."""

    id: str
    name: str
    start: str
    end: str | None
    channel: str | None
    offer: Offer
    unit_cost: float | None
    budget: float | None


class CampaignPage(BaseModel):
    """One page of campaigns."""

    data: list[Campaign]
    page: int
    per_page: int
    total: int
    next_page: int | None


class Health(BaseModel):
    """Liveness answer."""

    status: str
    campaigns: int


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def read_campaigns(path: str | Path) -> list[Campaign]:
    """The campaigns of the demo folder ``path``, by start time.

    Raises
    ------
    FileNotFoundError
        When ``<path>/truth/clean/campaigns.parquet`` does not exist (generate the demo first).
    """
    import pyarrow.parquet as pq

    file = Path(path) / "truth" / "clean" / "campaigns.parquet"
    if not file.is_file():
        raise FileNotFoundError(
            f"no demo campaigns at {file}; generate the demo first: aimass demo generate --path {path}"
        )
    rows = pq.read_table(file).to_pylist()
    campaigns = [
        Campaign(
            id=str(row["campaign_id"]),
            name=str(row["name"]),
            start=_iso(row["starts_at"]) or "",
            end=_iso(row["ends_at"]),
            channel=row["channel"],
            offer=Offer(type=str(row["offer_type"] or "none"), value=_number(row["offer_value"])),
            unit_cost=_number(row["unit_cost"]),
            budget=_number(row["budget"]),
        )
        for row in rows
    ]
    return sorted(campaigns, key=lambda c: (c.start, c.id))


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        name = ".".join(str(p) for p in item.get("loc", ())[1:]) or "request"
        parts.append(f"`{name}`: {item.get('msg', 'invalid')} (got {item.get('input')!r})")
    return "; ".join(parts) + f"; allowed: page >= 1, per_page 1..{MAX_PER_PAGE}"


def create_demo_api(path: str | Path) -> FastAPI:
    """The demo API app serving the campaigns of the demo folder ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        A folder written by :func:`aimass.demo.generate`.

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    FileNotFoundError
        When the folder holds no generated campaigns.
    """
    campaigns = read_campaigns(path)
    app = FastAPI(title="AI Mass demo retailer API", version="1")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _validation_message(error)})

    @app.get("/health")
    def health() -> Health:
        return Health(status="ok", campaigns=len(campaigns))

    @app.get("/v1/campaigns")
    def list_campaigns(
        page: Annotated[int, Query(ge=1, description="Page number, from 1.")] = 1,
        per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Campaigns per page.")] = 10,
    ) -> CampaignPage:
        start = (page - 1) * per_page
        chunk = campaigns[start : start + per_page]
        has_more = start + per_page < len(campaigns)
        return CampaignPage(
            data=chunk,
            page=page,
            per_page=per_page,
            total=len(campaigns),
            next_page=page + 1 if has_more else None,
        )

    return app


def serve_api(path: str | Path, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the demo API with uvicorn until interrupted.

    Parameters
    ----------
    path : str or pathlib.Path
        A folder written by :func:`aimass.demo.generate`.
    host : str, default "127.0.0.1"
    port : int, default 8765
    """
    import uvicorn

    uvicorn.run(create_demo_api(path), host=host, port=port, log_level="info")
