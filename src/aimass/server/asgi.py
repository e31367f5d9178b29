"""An app factory for uvicorn's import-string mode (``--reload`` and several workers).

``aimass serve`` sets ``AIMASS_WORKSPACE`` and runs
``uvicorn aimass.server.asgi:app_from_environment --factory``.
"""

from __future__ import annotations

from fastapi import FastAPI

from aimass.server.app import create_app
from aimass.workspace import find_workspace

__all__ = ["app_from_environment"]


def app_from_environment() -> FastAPI:
    """The app for the workspace named by ``AIMASS_WORKSPACE`` (else the one found from here)."""
    return create_app(find_workspace())
