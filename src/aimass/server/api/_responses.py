"""Error answers shared by the routes that need a key and the warehouse, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from aimass.server.models import ErrorBody

__all__ = ["KEY_AND_WAREHOUSE"]

KEY_AND_WAREHOUSE: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No API key, or an unknown or revoked one."},
    403: {"model": ErrorBody, "description": "The key lacks the scope this route needs."},
    503: {"model": ErrorBody, "description": "The warehouse is busy (a writer holds it); see `Retry-After`."},
}
