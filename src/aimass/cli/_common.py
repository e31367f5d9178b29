"""What every command shares: the workspace option, output helpers and exit codes.

Exit codes: 0 ok, 1 user error (with a message saying what was wrong), 2 internal error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_USER",
    "JsonOption",
    "WorkspaceOption",
    "console",
    "emit_json",
    "fail",
    "open_workspace",
]

EXIT_USER = 1
EXIT_INTERNAL = 2

console = Console()
err_console = Console(stderr=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (else $AIMASS_WORKSPACE, else the nearest aimass.toml at or above here).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON instead of a table.")]


def fail(message: str, code: int = EXIT_USER) -> typer.Exit:
    """Print ``message`` in red on stderr and return the ``typer.Exit`` to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def open_workspace(path: Path | None, *, read_only: bool = False) -> Workspace:
    """Open the workspace for a command (errors become a message and exit code 1)."""
    from aimass.workspace import Workspace

    return Workspace.open(path, read_only=read_only)


def emit_json(data: Any) -> None:
    """Write ``data`` as JSON on stdout (no colours, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
