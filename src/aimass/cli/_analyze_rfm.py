"""``aimass analyze rfm``."""

from __future__ import annotations

from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption

__all__ = ["register", "rfm_command"]


def rfm_command(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Reference date/time (UTC), e.g. 2025-01-01; default the day after the last order.",
        ),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Recency, frequency, monetary scores and named R x F segments: writes mart.rfm and mart.rfm_segments."""
    from aimass.cli._analyze_common import run_analysis

    run_analysis("rfm", {"as_of": as_of}, workspace=workspace, as_json=as_json, preview="mart.rfm_segments")


def register(app: typer.Typer) -> None:
    """Add ``aimass analyze rfm`` to the ``analyze`` group."""
    app.command("rfm")(rfm_command)
