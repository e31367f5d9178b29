"""``create_app``: the FastAPI application, wired from its routers.

Examples
--------
>>> import tempfile
>>> from fastapi.testclient import TestClient
>>> from aimass import Workspace
>>> root = tempfile.mkdtemp()
>>> Workspace.init(root).close()
>>> TestClient(create_app(root)).get("/health").json()["status"]
'ok'
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from aimass import __version__
from aimass.server import api, dashboard
from aimass.server.deps import ServerContext
from aimass.server.errors import install_error_handlers
from aimass.settings import Settings
from aimass.workspace import Workspace

__all__ = ["create_app"]

DESCRIPTION = """\
The AI Mass HTTP API. Every route but `/health` needs an API key, sent as
`Authorization: Bearer <key>` or `X-API-Key: <key>`; create one with
`aimass keys create --scope read`. Scopes: `read`, `decide`, `feedback`, `admin` (implies all).
"""


def create_app(workspace: Workspace | str | os.PathLike[str], *, settings: Settings | None = None) -> FastAPI:
    """Build the server for a workspace: the API under ``/v1``, the dashboard, ``/docs``.

    Parameters
    ----------
    workspace : Workspace or path
        The workspace to serve (its folder or its ``aimass.toml``). Only its root is kept: the
        warehouse is opened read-only for each request and closed after it.
    settings : Settings, optional
        Settings to use instead of reading ``aimass.toml`` (the ``get_settings`` dependency
        returns them).

    Returns
    -------
    FastAPI
        The application, ready for uvicorn or ``TestClient``.

    Raises
    ------
    WorkspaceNotFoundError
        When the path is not a workspace.
    ConfigError
        When its ``aimass.toml`` is not valid.
    """
    opened = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace, read_only=True)
    context = ServerContext(root=opened.root, settings=settings or opened.settings)
    app = FastAPI(
        title="AI Mass",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN; api.docs serves an offline one
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.aimass = context
    app.include_router(api.health.router)
    app.include_router(api.tables.router)
    app.include_router(api.runs.router)
    app.include_router(api.docs.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=dashboard.STATIC_DIR), name="static")
    install_error_handlers(app)
    return app
