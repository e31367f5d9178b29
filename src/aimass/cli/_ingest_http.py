"""``aimass ingest http URL --as NAME``: load a JSON API into a raw table without editing sources.yaml."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, fail
from aimass.cli._ingest_common import ModeOption, PrimaryKeyOption, build_source, run_and_report

if TYPE_CHECKING:
    pass

__all__ = ["register"]

_STYLES = ("page_number", "offset", "cursor", "link", "next_url")
_NEXT_FIELD = {"page_number": "next_page_field", "cursor": "cursor_field", "next_url": "next_url_field"}


def _pairs(option: str, values: list[str] | None) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values or []:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise fail(f"{option} {value!r} must look like KEY=VALUE, e.g. {option} per_page=50")
        pairs[key] = item
    return pairs


def _pagination(
    style: str | None, page_param: str | None, page_size: int | None, next_field: str | None
) -> dict[str, Any] | None:
    if style is None:
        return None
    style = {"page": "page_number"}.get(style, style)
    if style not in _STYLES:
        raise fail(f"--paginate {style!r} is not allowed; use one of page, offset, cursor, link, next_url")
    pagination: dict[str, Any] = {"style": style}
    if page_size is not None:
        pagination["size" if style == "page_number" else "limit"] = page_size
    if page_param is not None:
        name = {"page_number": "page_param", "offset": "offset_param", "cursor": "cursor_param"}.get(style)
        if name is None:
            raise fail(f"--page-param does not apply to --paginate {style} (the next URL carries it)")
        pagination[name] = page_param
    if next_field is not None:
        if style not in _NEXT_FIELD:
            raise fail(f"--next-field does not apply to --paginate {style}")
        pagination[_NEXT_FIELD[style]] = next_field
    return pagination


def _auth(
    bearer_env: str | None,
    api_key_env: str | None,
    api_key_header: str | None,
    api_key_param: str | None,
    basic_user: str | None,
    basic_password_env: str | None,
) -> dict[str, Any] | None:
    given = [bearer_env is not None, api_key_env is not None, basic_user is not None]
    if sum(given) > 1:
        raise fail("give one of --bearer-token-env, --api-key-env or --basic-user, not several")
    if bearer_env is not None:
        return {"type": "bearer", "token": f"${{{bearer_env}}}"}
    if api_key_env is not None:
        if api_key_header is not None and api_key_param is not None:
            raise fail("give --api-key-header or --api-key-param, not both")
        location = "query" if api_key_param is not None else "header"
        name = api_key_param or api_key_header or "X-API-Key"
        return {"type": "api_key", "key": f"${{{api_key_env}}}", "name": name, "location": location}
    if basic_user is not None:
        password = f"${{{basic_password_env}}}" if basic_password_env else ""
        return {"type": "basic", "username": basic_user, "password": password}
    return None


def ingest_http_command(
    url: Annotated[str, typer.Argument(help="The API address, http:// or https://.")],
    name: Annotated[
        str, typer.Option("--as", metavar="NAME", help="The raw table to write, e.g. campaigns.")
    ],
    record_path: Annotated[
        str, typer.Option(help="Where the records sit in the body, dotted (result.items); '' for the body.")
    ] = "data",
    paginate: Annotated[
        str | None, typer.Option(metavar="page|offset|cursor|link|next_url", help="The pagination style.")
    ] = None,
    page_param: Annotated[
        str | None, typer.Option(help="Query parameter of the page number, offset or next token.")
    ] = None,
    page_size: Annotated[int | None, typer.Option(help="Records per page (page size or limit).")] = None,
    next_field: Annotated[
        str | None, typer.Option(help="Body field with the next page number, token or URL (dotted).")
    ] = None,
    bearer_token_env: Annotated[
        str | None, typer.Option(help="Environment variable holding a bearer token.")
    ] = None,
    api_key_env: Annotated[str | None, typer.Option(help="Environment variable holding an API key.")] = None,
    api_key_header: Annotated[
        str | None, typer.Option(help="Header that carries the API key (default X-API-Key).")
    ] = None,
    api_key_param: Annotated[
        str | None, typer.Option(help="Query parameter that carries the API key instead of a header.")
    ] = None,
    basic_user: Annotated[str | None, typer.Option(help="User for HTTP basic auth.")] = None,
    basic_password_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the basic-auth password.")
    ] = None,
    header: Annotated[list[str] | None, typer.Option(help="Request header K=V; repeatable.")] = None,
    param: Annotated[list[str] | None, typer.Option(help="Query parameter K=V; repeatable.")] = None,
    cursor: Annotated[
        str | None, typer.Option(help="Record field whose last value is kept (incremental loads).")
    ] = None,
    cursor_param: Annotated[
        str | None, typer.Option(help="Query parameter that sends the last cursor value back.")
    ] = None,
    rate_limit: Annotated[float | None, typer.Option(help="Requests per second at most.")] = None,
    max_retries: Annotated[int, typer.Option(help="Retries of a failing request (5xx, 429, timeout).")] = 5,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each response.")] = 30.0,
    mode: ModeOption = "replace",
    primary_key: PrimaryKeyOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load JSON records from an HTTP API into raw.<name>, page by page, with retries and lineage."""

    from aimass.ingest.http import HttpSourceConfig

    entry: dict[str, Any] = {
        "kind": "http",
        "name": name,
        "url": url,
        "record_path": record_path or None,
        "pagination": _pagination(paginate, page_param, page_size, next_field),
        "auth": _auth(
            bearer_token_env, api_key_env, api_key_header, api_key_param, basic_user, basic_password_env
        ),
        "headers": _pairs("--header", header),
        "params": _pairs("--param", param),
        "cursor": cursor,
        "cursor_param": cursor_param,
        "rate_limit": rate_limit,
        "max_retries": max_retries,
        "timeout": timeout,
        "mode": mode,
        "primary_key": primary_key or [],
    }
    config = build_source("http", HttpSourceConfig, entry, skip=(*_STYLES, "bearer", "api_key", "basic"))
    run_and_report(config.ingest, workspace=workspace, as_json=as_json, status=f"loading {config.url}")


def register(group: typer.Typer) -> None:
    """Add ``http`` to the ``aimass ingest`` group."""
    group.command("http")(ingest_http_command)
