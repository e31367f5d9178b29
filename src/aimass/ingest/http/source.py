"""The HTTP JSON source: records from an API, page by page, into one raw table.

Each page's records are flattened (``{"offer": {"type": "pct"}}`` becomes the column
``offer__type``; lists become JSON text), collected into Arrow and written with
``Engine.write_table`` in one atomic write, so a failure on page 7 leaves the table as it was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa
from pydantic import ValidationError

from aimass._typing import WriteMode
from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest._load import LoadContext, check_mode, engine_and_root, raw_target, run_load, with_lineage
from aimass.ingest._result import LoadResult
from aimass.ingest.http.config import DEFAULT_MAX_PAGES, PageNumberPagination, Pagination, ParamValue
from aimass.ingest.http.errors import bad_body, redact, request_failed, status_failed
from aimass.ingest.http.pagination import paginator_for

if TYPE_CHECKING:
    import httpx

    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = ["fetch_records", "flatten_record", "ingest_http", "records_to_arrow"]

SEPARATOR = "__"


def flatten_record(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become ``parent__child`` keys; lists become JSON text.

    Examples
    --------
    >>> flatten_record({"id": 1, "offer": {"type": "pct", "value": 10}, "tags": ["a"]})
    {'id': 1, 'offer__type': 'pct', 'offer__value': 10, 'tags': '["a"]'}
    """
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_record(value, f"{name}{SEPARATOR}"))
        elif isinstance(value, list):
            flat[name] = json.dumps(value, ensure_ascii=False)
        else:
            flat[name] = value
    return flat


def _column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: keep every value, as text
        return pa.array(
            [None if v is None else v if isinstance(v, str) else json.dumps(v) for v in values], pa.string()
        )


def records_to_arrow(records: list[dict[str, Any]]) -> pa.Table:
    """Flat records (keys may differ between them) as an Arrow table, columns in first-seen order."""
    names = list(dict.fromkeys(key for record in records for key in record))
    return pa.table({name: _column([record.get(name) for record in records]) for name in names})


def _records_in(body: Any, record_path: str | None, url: str) -> list[Any]:
    found = body
    for part in record_path.split(".") if record_path else []:
        if not isinstance(found, dict) or part not in found:
            keys = ", ".join(map(repr, found)) if isinstance(found, dict) else type(found).__name__
            raise bad_body(
                redact(url), f"the body has no {part!r} (record_path={record_path!r}); it has {keys}"
            )
        found = found[part]
    if not isinstance(found, list):
        where = f"at {record_path!r}" if record_path else "(the body itself)"
        raise bad_body(
            redact(url), f"expected a list of records {where}, got {type(found).__name__}; set record_path"
        )
    return found


def _get(client: httpx.Client, url: str, params: dict[str, ParamValue], timeout: float) -> Any:
    import httpx

    try:
        response = client.get(url, params=params)
    except httpx.RequestError as error:
        raise request_failed(redact(str(httpx.URL(url, params=params))), error, timeout) from None
    shown = redact(str(response.url))
    if not response.is_success:
        raise status_failed(shown, response)
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        kind = response.headers.get("content-type", "no content type")
        raise bad_body(shown, f"the response is not JSON ({kind}): {response.text[:120]!r}") from None


def fetch_records(
    url: str,
    *,
    record_path: str | None = "data",
    pagination: Pagination | None = None,
    params: Mapping[str, ParamValue] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> tuple[list[dict[str, Any]], int]:
    """Fetch every page and return the flattened records and the number of pages.

    Raises
    ------
    TransientSourceError
        Connection refused, timeout, 5xx: a retry may help.
    TerminalSourceError
        4xx, a body that is not JSON or has no records where ``record_path`` says, a record that
        is not an object, or more than ``max_pages`` pages.
    """
    import httpx

    paginator = paginator_for(pagination)
    current: dict[str, ParamValue] | None = {**dict(params or {}), **paginator.first()}
    records: list[dict[str, Any]] = []
    pages = 0
    with httpx.Client(headers=dict(headers or {}), timeout=timeout, follow_redirects=True) as client:
        while current is not None:
            if pages >= max_pages:
                raise TerminalSourceError(
                    f"{redact(url)}: still more pages after {max_pages:,} (max_pages); the API's next page "
                    "never ends. Raise max_pages if the source really is that large."
                )
            body = _get(client, url, current, timeout)
            pages += 1
            for position, record in enumerate(_records_in(body, record_path, url)):
                if not isinstance(record, dict):
                    raise bad_body(
                        redact(url),
                        f"record {position} of page {pages} is a {type(record).__name__}, not an object",
                    )
                records.append(flatten_record(record))
            current = paginator.next(body, current)
    return records, pages


def _pagination(value: Pagination | Mapping[str, Any] | None) -> Pagination | None:
    if value is None or isinstance(value, PageNumberPagination):
        return value
    try:
        return PageNumberPagination.model_validate(dict(value))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'style'}: {e['msg']}" for e in error.errors())
        allowed = ", ".join(PageNumberPagination.model_fields)
        raise ConfigError(f"pagination is not valid: {problems}. Allowed keys: {allowed}") from None


def _public_url(url: str) -> str:
    """The URL without credentials or query, for lineage and ``meta.loads``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def ingest_http(
    workspace_or_engine: Workspace | Engine,
    url: str,
    table: str,
    *,
    record_path: str | None = "data",
    pagination: Pagination | Mapping[str, Any] | None = None,
    params: Mapping[str, ParamValue] | None = None,
    headers: Mapping[str, str] | None = None,
    mode: WriteMode | str = "replace",
    timeout: float = 30.0,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> LoadResult:
    """Load JSON records from an HTTP API into a raw table, atomically, with a ``meta.loads`` row.

    Parameters
    ----------
    workspace_or_engine : Workspace or Engine
        Where to load.
    url : str
        The records' address.
    table : str
        The raw table, ``campaigns`` or ``raw.campaigns``.
    record_path : str or None, default "data"
        Where the list of records sits in each body (dotted), None when the body is the list.
    pagination : PageNumberPagination or mapping, optional
        E.g. ``{"style": "page_number", "page_param": "page", "size_param": "per_page", "size": 50}``;
        one request when omitted.
    params, headers : mapping, optional
        Extra query parameters and headers (headers are not recorded anywhere).
    mode : {"replace", "append"}, default "replace"
    timeout : float, default 30
        Seconds to wait for each response.
    max_pages : int, default 10,000
        Pages fetched at most.

    Returns
    -------
    LoadResult

    Raises
    ------
    TransientSourceError
        Connection refused, timeout, 5xx: a retry may help (for a loopback URL the message asks
        whether the server is running).
    TerminalSourceError
        4xx, a body that is not JSON or holds no records, or a pagination that never ends.
    ConfigError
        A bad argument.
    """
    engine, _ = engine_and_root(workspace_or_engine)
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"url {url!r} must start with http:// or https://")
    if timeout <= 0 or max_pages < 1:
        raise ConfigError(f"timeout ({timeout}) must be > 0 and max_pages ({max_pages}) >= 1")
    checked_mode = check_mode(str(mode))
    checked_pagination = _pagination(pagination)
    target = raw_target(table)
    source = _public_url(url)
    details: dict[str, Any] = {
        "format": "http-json",
        "record_path": record_path,
        "pagination": checked_pagination.model_dump() if checked_pagination else None,
        "params": dict(params or {}),
        "headers": sorted(headers or {}),
    }

    def land(context: LoadContext) -> int:
        context.files.append(source)
        records, pages = fetch_records(
            url,
            record_path=record_path,
            pagination=checked_pagination,
            params=params,
            headers=headers,
            timeout=timeout,
            max_pages=max_pages,
        )
        context.details["pages"] = pages
        if not records:
            raise TerminalSourceError(
                f"{source} returned no records over {pages} page(s); nothing was written"
            )
        data = with_lineage(records_to_arrow(records), context.lineage, source)
        return engine.write_table(str(target), data, mode=checked_mode, validate=context.validate)

    return run_load(engine, source=source, target=target, mode=checked_mode, details=details, load=land)
