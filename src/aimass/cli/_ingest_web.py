"""``aimass ingest web URL [URL ...]``: load HTML tables or repeated records from web pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, fail
from aimass.cli._ingest_common import ModeOption, PrimaryKeyOption, build_source, run_and_report

if TYPE_CHECKING:
    pass

__all__ = ["register"]


def _fields(values: list[str] | None) -> dict[str, str]:
    fields: dict[str, str] = {}
    for value in values or []:
        name, sep, selector = value.partition("=")
        if not sep or not name or not selector:
            raise fail(f"--field {value!r} must look like NAME=SELECTOR, e.g. --field price=.price")
        fields[name] = selector
    return fields


def ingest_web_command(
    urls: Annotated[
        list[str], typer.Argument(metavar="URL", help="The page(s), or a crawl's start page(s).")
    ],
    name: Annotated[
        str | None, typer.Option("--as", help="The raw table to write (default: from the URL).")
    ] = None,
    follow: Annotated[
        str | None, typer.Option(help="Regular expression of the links to follow (same host only).")
    ] = None,
    max_pages: Annotated[int, typer.Option(help="Pages read at most.")] = 10,
    delay: Annotated[float, typer.Option(help="Seconds between two requests to one host.")] = 1.0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each page.")] = 30.0,
    user_agent: Annotated[str | None, typer.Option(help="User agent (default names AI Mass).")] = None,
    records: Annotated[
        str | None, typer.Option(help="CSS selector of a repeated element, e.g. 'div.product'.")
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(help="With --records: column NAME=SELECTOR ('a@href' for an attribute); repeatable."),
    ] = None,
    table_index: Annotated[int | None, typer.Option(help="Only this <table> of each page (0-based).")] = None,
    mode: ModeOption = "replace",
    primary_key: PrimaryKeyOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load the <table>s (or repeated records) of web pages into raw.<name>; polite, robots.txt respected."""

    from aimass.ingest.web import WebSourceConfig
    from aimass.ingest.web.source import DEFAULT_USER_AGENT, default_table

    entry: dict[str, Any] = {
        "kind": "web",
        "name": name or default_table(urls[0]),
        "urls": urls,
        "follow": follow,
        "max_pages": max_pages,
        "delay": delay,
        "timeout": timeout,
        "user_agent": user_agent or DEFAULT_USER_AGENT,
        "records": records,
        "fields": _fields(field),
        "table_index": table_index,
        "mode": mode,
        "primary_key": primary_key or [],
    }
    config = build_source("web", WebSourceConfig, entry)
    run_and_report(config.ingest, workspace=workspace, as_json=as_json, status=f"reading {urls[0]}")


def register(group: typer.Typer) -> None:
    """Add ``web`` to the ``aimass ingest`` group."""
    group.command("web")(ingest_web_command)
