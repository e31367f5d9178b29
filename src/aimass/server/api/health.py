"""``GET /health``: the one route open without a key (for load balancers and start-up checks)."""

from __future__ import annotations

from fastapi import APIRouter

from aimass import __version__
from aimass.server.deps import SettingsDep
from aimass.server.models import Health

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness check")
def health(settings: SettingsDep) -> Health:
    """Answer without touching the warehouse: the server is up, its version and workspace name."""
    return Health(version=__version__, workspace=settings.name)
