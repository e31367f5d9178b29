"""The ``aimass`` application: wires the command modules together and maps errors to exit codes."""

from __future__ import annotations

import importlib
import sys

import typer
from typer._click import exceptions as click_errors  # typer >= 0.29 bundles its own click

from aimass.cli._common import EXIT_INTERNAL, EXIT_USER, err_console

__all__ = ["app", "main"]

#: Each module either has ``register(app)`` (top-level commands) or is a group with its own ``app``.
COMMAND_MODULES: tuple[str, ...] = (
    "aimass.cli.workspace",
    "aimass.cli.ingest",
    "aimass.cli.source",
    "aimass.cli.export",
    "aimass.cli.mapping",
    "aimass.cli.prepare",
    "aimass.cli.dedupe",
    "aimass.cli.run",
    "aimass.cli.demo",
    "aimass.cli.serve",
    "aimass.cli.keys",
    "aimass.cli.check",
    "aimass.cli.report",
    "aimass.cli.profile",
    "aimass.cli.analyze",
    "aimass.cli.predict",
    "aimass.cli.recommend",
)

app = typer.Typer(
    name="aimass",
    help="AI Mass: turn raw business data into decisions, and serve them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        from aimass import __version__

        typer.echo(__version__)
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


for _name in COMMAND_MODULES:
    _module = importlib.import_module(_name)
    if hasattr(_module, "register"):
        _module.register(app)
    else:  # a command group: its Typer app becomes `aimass <module name>`
        app.add_typer(_module.app, name=_name.rsplit(".", 1)[1])


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) 0 ok, 1 user error, 2 internal error."""
    from aimass.exceptions import AimassError

    try:
        result = app(args=argv, standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except typer.Exit as done:
        code = done.exit_code
    except typer.Abort:
        err_console.print("aborted")
        code = EXIT_USER
    except click_errors.NoArgsIsHelpError as shown:
        shown.show()
        code = 0
    except click_errors.ClickException as error:  # bad flags and arguments are the user's to fix
        error.show()
        code = EXIT_USER
    except AimassError as error:
        err_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        code = EXIT_USER
    except KeyboardInterrupt:
        code = 130
    except Exception:
        import traceback

        traceback.print_exc()
        err_console.print(
            "[bold red]internal error[/]: this is a bug in aimass; the traceback above says where."
        )
        code = EXIT_INTERNAL
    if argv is None:
        sys.exit(code)
    return code
