"""``aimass analyze segments``."""

from __future__ import annotations

from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption

__all__ = ["register", "segments_command"]


def segments_command(
    method: Annotated[str | None, typer.Option("--method", help="kmeans (default) or gmm.")] = None,
    n_segments: Annotated[
        str | None, typer.Option("--n-segments", "-k", help="Number of segments, or 'auto' (default).")
    ] = None,
    max_segments: Annotated[
        int | None,
        typer.Option("--max-segments", help="Largest number of segments tried by 'auto' (default 8)."),
    ] = None,
    criterion: Annotated[
        str | None, typer.Option("--criterion", help="How 'auto' chooses: silhouette (default) or bic (gmm).")
    ] = None,
    random_state: Annotated[int | None, typer.Option("--random-state", help="Seed (default 0).")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Reference date/time (UTC); default the day after the last order."),
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Behavioural segments with profiles and names: writes mart.segments and mart.segment_profiles."""
    from aimass.cli._analyze_common import run_analysis

    run_analysis(
        "segments",
        {
            "method": method,
            "n_segments": n_segments,
            "max_segments": max_segments,
            "criterion": criterion,
            "random_state": random_state,
            "as_of": as_of,
        },
        workspace=workspace,
        as_json=as_json,
        preview="mart.segment_profiles",
        preview_columns=("segment_id", "segment_name", "customers", "share", "description"),
    )


def register(app: typer.Typer) -> None:
    """Add ``aimass analyze segments`` to the ``analyze`` group."""
    app.command("segments")(segments_command)
