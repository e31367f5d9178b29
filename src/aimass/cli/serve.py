"""``aimass serve``: run the API and the dashboard with uvicorn until Ctrl-C."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from aimass.cli._common import WorkspaceOption, console, open_workspace


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: [server] host).")] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: $AIMASS_PORT, else [server] port).")
    ] = None,
    workspace: WorkspaceOption = None,
    reload: Annotated[
        bool, typer.Option("--reload/--no-reload", help="Restart when the code changes.")
    ] = False,
) -> None:
    """Serve the API (/v1, /docs) and the dashboard (/) until Ctrl-C."""
    import uvicorn

    from aimass.server import list_keys
    from aimass.server.listen import check_listen_address, listen_address
    from aimass.workspace import WORKSPACE_ENV

    with open_workspace(workspace, read_only=True) as ws:
        chosen_host, chosen_port = listen_address(ws.settings.server, host, port)
        workers = ws.settings.server.workers
        has_keys = any(not key.revoked for key in list_keys(ws))
    check_listen_address(chosen_host, chosen_port)

    shown = "127.0.0.1" if chosen_host in ("0.0.0.0", "::") else chosen_host
    shown = f"[{shown}]" if ":" in shown else shown
    console.print(f"serving workspace [bold]{ws.settings.name}[/] ({ws.root})")
    console.print(f"  dashboard  http://{shown}:{chosen_port}/")
    console.print(f"  API docs   http://{shown}:{chosen_port}/docs")
    if not has_keys:
        console.print(
            "[yellow]no API key yet[/]: create one with `aimass keys create --scope read` to log in"
        )
    console.print("press Ctrl-C to stop")

    if reload or workers > 1:  # uvicorn needs an import string: each process builds its own app
        import aimass

        os.environ[WORKSPACE_ENV] = str(ws.root)
        uvicorn.run(
            "aimass.server.asgi:app_from_environment",
            factory=True,
            host=chosen_host,
            port=chosen_port,
            reload=reload,
            reload_dirs=[os.path.dirname(aimass.__file__)] if reload else None,
            workers=None if reload else workers,
            log_level="info",
        )
        return
    from aimass.server import create_app

    uvicorn.run(create_app(ws.root), host=chosen_host, port=chosen_port, log_level="info")


def register(app: typer.Typer) -> None:
    """Add ``serve``."""
    app.command("serve")(serve)
