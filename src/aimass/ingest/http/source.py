"""The HTTP JSON source: records from an API, page by page, into one raw table.

Each page's records are flattened (``{"offer": {"type": "pct"}}`` becomes the column
``offer__type``; lists become JSON text) into one Arrow batch, and the pages stream into the
shared loader (:func:`aimass.ingest._batches.load_batches`), which lands them atomically: a
failure on page 7 leaves the table as it was and records the failed load. With a ``cursor``,
the largest loaded value is kept in ``meta.source_state`` and sent back as ``cursor_param`` on
the next run, so a re-run asks only for what is new.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa
from pydantic import TypeAdapter, ValidationError

from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest.http.client import Fetcher, RetryPolicy, TokenBucket
from aimass.ingest.http.config import (
    DEFAULT_MAX_PAGES,
    ApiKeyAuth,
    Auth,
    BasicAuth,
    BearerAuth,
    HttpWriteMode,
    Pagination,
    ParamValue,
    Progress,
)
from aimass.ingest.http.errors import _SECRET_PARAM, bad_body, redact
from aimass.ingest.http.pagination import Page, Request, paginator_for
from aimass.ingest.http.records import SEPARATOR, flatten_record, page_to_arrow, records_to_arrow

if TYPE_CHECKING:
    import httpx

    from aimass.engine import Engine
    from aimass.ingest._result import LoadResult
    from aimass.workspace import Workspace

__all__ = ["fetch_records", "flatten_record", "ingest_http", "iter_pages", "records_to_arrow"]

_MODES: tuple[HttpWriteMode, ...] = ("replace", "append", "merge")
_PAGINATION: TypeAdapter[Pagination] = TypeAdapter(Pagination)
_AUTH: TypeAdapter[Auth] = TypeAdapter(Auth)


def _records_in(body: Any, record_path: str | None, url: str) -> list[Any]:
    if isinstance(body, list):  # a list body is the records, whatever record_path says
        return body
    found = body
    for part in record_path.split(".") if record_path else []:
        if not isinstance(found, dict) or part not in found:
            keys = ", ".join(map(repr, found)) if isinstance(found, dict) else type(found).__name__
            raise bad_body(url, f"the body has no {part!r} (record_path={record_path!r}); it has {keys}")
        found = found[part]
    if not isinstance(found, list):
        where = f"at {record_path!r}" if record_path else "(the body itself)"
        raise bad_body(
            url, f"expected a list of records {where}, got {type(found).__name__}; set record_path"
        )
    return found


def _page_records(page: Page, record_path: str | None, number: int, flatten: bool) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for position, record in enumerate(_records_in(page.body, record_path, page.shown)):
        if not isinstance(record, dict):
            raise bad_body(
                page.shown, f"record {position} of page {number} is a {type(record).__name__}, not an object"
            )
        records.append(flatten_record(record) if flatten else record)
    return records


def iter_pages(
    fetcher: Fetcher,
    url: str,
    *,
    record_path: str | None = "data",
    pagination: Pagination | None = None,
    params: Mapping[str, ParamValue] | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    flatten: bool = True,
) -> Iterator[list[dict[str, Any]]]:
    """Fetch page after page; yields each page's records (a page may be empty).

    Records are flattened with :func:`flatten_record` unless ``flatten=False`` (then they are the
    JSON objects as sent, checked to be objects).

    Raises
    ------
    TransientSourceError
        A failure that outlived the retries.
    TerminalSourceError
        4xx, a body that is not JSON or has no records where ``record_path`` says, a record that
        is not an object, a pagination that loops, or more than ``max_pages`` pages.
    """
    paginator = paginator_for(pagination)
    request: Request | None = paginator.first(Request(url, dict(params or {})))
    pages = 0
    while request is not None:
        if pages >= max_pages:
            raise TerminalSourceError(
                f"{redact(url)}: still more pages after {max_pages:,} (max_pages); the API's next page "
                "never ends. Raise max_pages if the source really is that large."
            )
        page = fetcher.get(request)
        pages += 1
        records = _page_records(page, record_path, pages, flatten)
        yield records
        request = paginator.next(request, dataclasses.replace(page, records=len(records)))


def _client(headers: Mapping[str, str], auth: httpx.Auth | None, timeout: float) -> httpx.Client:
    import httpx

    return httpx.Client(headers=dict(headers), auth=auth, timeout=timeout, follow_redirects=True)


def fetch_records(
    url: str,
    *,
    record_path: str | None = "data",
    pagination: Pagination | Mapping[str, Any] | None = None,
    params: Mapping[str, ParamValue] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_retries: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Fetch every page into memory and return the flattened records and the number of pages.

    For small APIs and notebooks; :func:`ingest_http` streams page by page instead. Raises what
    :func:`iter_pages` raises.
    """
    checked = _pagination(pagination)
    records: list[dict[str, Any]] = []
    pages = 0
    with _client(headers or {}, None, timeout) as client:
        fetcher = Fetcher(client, timeout, RetryPolicy(max_retries=max_retries))
        for page in iter_pages(
            fetcher, url, record_path=record_path, pagination=checked, params=params, max_pages=max_pages
        ):
            pages += 1
            records.extend(page)
    return records, pages


def _pagination(value: Pagination | Mapping[str, Any] | None) -> Pagination | None:
    if value is None or not isinstance(value, Mapping):
        return value
    try:
        return _PAGINATION.validate_python({"style": "page_number", **dict(value)})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'style'}: {e['msg']}" for e in error.errors())
        raise ConfigError(
            f"pagination is not valid: {problems}. Styles: page_number, offset, cursor, link, next_url"
        ) from None


def _auth(value: Auth | Mapping[str, Any] | None) -> Auth | None:
    if value is None or not isinstance(value, Mapping):
        return value
    try:
        return _AUTH.validate_python(dict(value))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'type'}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"auth is not valid: {problems}. Types: bearer, api_key, basic") from None


def _public_url(url: str) -> str:
    """The URL without credentials or query, for lineage and ``meta.loads``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _secret(workspace: Workspace | Path, value: str, where: str) -> str:
    from aimass.ingest._secrets import remember_secret, resolve_secret

    resolved = resolve_secret(workspace, value, where=where)
    if where.startswith("auth."):
        remember_secret(resolved)  # masked in every message, even when it was given as a literal
    return resolved


@dataclasses.dataclass(frozen=True)
class _Credentials:
    headers: dict[str, str]
    params: dict[str, str]
    auth: httpx.Auth | None
    credential: str | None


def _credentials(workspace: Workspace | Path, auth: Auth | None) -> _Credentials:
    import httpx

    if isinstance(auth, BearerAuth):
        token = _secret(workspace, auth.token, "auth.token")
        return _Credentials({"Authorization": f"Bearer {token}"}, {}, None, "the bearer token (auth.token)")
    if isinstance(auth, ApiKeyAuth):
        key = _secret(workspace, auth.key, "auth.key")
        where = f"the API key sent in the {auth.location} {auth.name!r} (auth.key)"
        if auth.location == "header":
            return _Credentials({auth.name: key}, {}, None, where)
        return _Credentials({}, {auth.name: key}, None, where)
    if isinstance(auth, BasicAuth):
        password = _secret(workspace, auth.password, "auth.password")
        basic = httpx.BasicAuth(auth.username, password)
        return _Credentials({}, {}, basic, f"the user {auth.username!r} and its password (auth.password)")
    return _Credentials({}, {}, None, None)


def _shown_params(params: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
    return {key: "***" if _SECRET_PARAM.search(key) else value for key, value in params.items()}


def _check(
    url: str, mode: str, timeout: float, max_pages: int, cursor: str | None, cursor_param: str | None
) -> HttpWriteMode:
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"url {url!r} must start with http:// or https://")
    if timeout <= 0 or max_pages < 1:
        raise ConfigError(f"timeout ({timeout}) must be > 0 and max_pages ({max_pages}) >= 1")
    if cursor_param is not None and cursor is None:
        raise ConfigError(
            f"cursor_param={cursor_param!r} needs a cursor: the record field whose last value it sends"
        )
    for allowed in _MODES:
        if mode == allowed:
            return allowed
    raise ConfigError(f"mode={mode!r} is not allowed; use one of {', '.join(_MODES)}")


def ingest_http(
    workspace_or_engine: Workspace | Engine,
    url: str,
    table: str,
    *,
    record_path: str | None = "data",
    pagination: Pagination | Mapping[str, Any] | None = None,
    auth: Auth | Mapping[str, Any] | None = None,
    params: Mapping[str, ParamValue] | None = None,
    headers: Mapping[str, str] | None = None,
    mode: HttpWriteMode | str = "replace",
    primary_key: Sequence[str] = (),
    cursor: str | None = None,
    cursor_param: str | None = None,
    initial_cursor: str | int | float | None = None,
    state_key: str | None = None,
    timeout: float = 30.0,
    max_retries: int = 5,
    backoff: float = 0.5,
    max_backoff: float = 30.0,
    max_retry_wait: float = 120.0,
    rate_limit: float | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    progress: Progress | None = None,
) -> LoadResult:
    """Load JSON records from an HTTP API into a raw table, atomically, with a ``meta.loads`` row.

    Parameters
    ----------
    workspace_or_engine : Workspace or Engine
        Where to load (``secret: NAME`` credentials need a Workspace).
    url : str
        The records' address.
    table : str
        The raw table, ``campaigns`` or ``raw.campaigns``.
    record_path : str or None, default "data"
        Where the list of records sits in each body (dotted: ``result.items``), None when the body
        is the list (a list body is taken as the records in any case).
    pagination : pagination model or mapping, optional
        E.g. ``{"style": "cursor", "cursor_field": "meta.next", "cursor_param": "cursor"}``; styles
        page_number (the default style of a mapping), offset, cursor, link, next_url. One request
        when omitted.
    auth : BearerAuth, ApiKeyAuth, BasicAuth or mapping, optional
        E.g. ``{"type": "bearer", "token": "${API_TOKEN}"}``; the secret never reaches a log,
        a message or ``meta.loads``.
    params, headers : mapping, optional
        Extra query parameters and headers (header values are not recorded anywhere; secret-looking
        parameter values are masked).
    mode : {"replace", "append", "merge"}, default "replace"
    primary_key : sequence of str
        The key of ``mode="merge"`` (flattened names).
    cursor : str, optional
        A record field (dotted for nesting) whose largest loaded value is stored as the state.
    cursor_param : str, optional
        The query parameter that sends the stored cursor value on the next run.
    initial_cursor : str, int or float, optional
        Sent as ``cursor_param`` when no state is stored yet.
    state_key : str, optional
        The ``meta.source_state`` key (default ``http:<raw table>``).
    timeout : float, default 30
        Seconds to wait for each response.
    max_retries, backoff, max_backoff, max_retry_wait
        Retries of transient failures; see :class:`~aimass.ingest.http.client.RetryPolicy`.
    rate_limit : float, optional
        Requests per second at most.
    max_pages : int, default 10,000
        Pages fetched at most.
    progress : callable, optional
        Called as ``progress(pages, records)`` after each page.

    Returns
    -------
    LoadResult

    Raises
    ------
    TransientSourceError
        Connection refused, timeout, 5xx or 429 after the retries (for a loopback URL the message
        asks whether the server is running).
    TerminalSourceError
        4xx (401/403 name the credential to check), a body that is not JSON or holds no records,
        or a pagination that never ends.
    ConfigError
        A bad argument.
    """
    from aimass.engine import Engine
    from aimass.ingest._batches import load_batches
    from aimass.ingest._load import engine_and_root, raw_target
    from aimass.ingest._state import read_state

    engine, root = engine_and_root(workspace_or_engine)
    checked_mode = _check(url, str(mode), timeout, max_pages, cursor, cursor_param)
    checked_pagination = _pagination(pagination)
    checked_auth = _auth(auth)
    target = raw_target(table)
    source = _public_url(url)
    key = state_key or f"http:{target}"
    cursor_column = cursor.replace(".", SEPARATOR) if cursor else None
    secrets_at = root if isinstance(workspace_or_engine, Engine) else workspace_or_engine
    query: dict[str, ParamValue] = {
        name: _secret(secrets_at, value, f"params.{name}") if isinstance(value, str) else value
        for name, value in (params or {}).items()
    }
    last = read_state(engine, key) if cursor else None
    since = last if last is not None else initial_cursor
    if cursor_param is not None and since is not None:
        query[cursor_param] = since if isinstance(since, str | int | float) else json.dumps(since)
    credentials = _credentials(secrets_at, checked_auth)
    details: dict[str, Any] = {
        "format": "http-json",
        "record_path": record_path,
        "pagination": checked_pagination.model_dump() if checked_pagination else None,
        "auth": checked_auth.type if checked_auth else None,
        "params": _shown_params(params or {}),  # as configured: a ``${VAR}`` stays a reference
        "headers": sorted(headers or {}),
        "cursor_sent": since if cursor_param is not None else None,
    }
    retry = RetryPolicy(max_retries, backoff, max_backoff, max_retry_wait)
    limiter = TokenBucket(rate_limit) if rate_limit is not None else None
    counts = {"pages": 0, "records": 0}
    failure: list[Exception] = []

    def batches(fetcher: Fetcher) -> Iterator[pa.Table]:
        try:
            for records in iter_pages(
                fetcher,
                url,
                record_path=record_path,
                pagination=checked_pagination,
                params=query,
                max_pages=max_pages,
                flatten=False,
            ):
                counts["pages"] += 1
                counts["records"] += len(records)
                details.update(pages=counts["pages"], requests=fetcher.requests, retries=retry.retries)
                if progress is not None:
                    progress(counts["pages"], counts["records"])
                if records:
                    yield page_to_arrow(records)
            if counts["records"] == 0 and cursor is None:
                raise TerminalSourceError(
                    f"{source} returned no records over {counts['pages']} page(s); nothing was written"
                )
        except Exception as error:
            failure.append(error)  # kept: the warehouse may wrap it while it streams the batches
            raise

    sent_headers = {
        name: _secret(secrets_at, value, f"headers.{name}") for name, value in (headers or {}).items()
    }
    with _client({**sent_headers, **credentials.headers}, credentials.auth, timeout) as client:
        fetcher = Fetcher(client, timeout, retry, limiter, credentials.params, credentials.credential)
        try:
            return load_batches(
                engine,
                source=source,
                target=str(target),
                batches=batches(fetcher),
                mode=checked_mode,
                primary_key=tuple(primary_key),
                cursor=cursor_column,
                state_key=key,
                details=details,
                files=(source,),
                allow_empty=cursor is not None,
            )
        except Exception:
            if failure:  # the source's own error, not the warehouse's wrapping of it
                raise failure[0] from None
            raise
