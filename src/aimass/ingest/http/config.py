"""Configuration of the HTTP JSON source: pagination, auth, retries and its ``sources.yaml`` entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aimass._typing import LoadMode

if TYPE_CHECKING:
    from aimass.ingest._result import LoadResult
    from aimass.workspace import Workspace

__all__ = [
    "DEFAULT_MAX_PAGES",
    "ApiKeyAuth",
    "Auth",
    "BasicAuth",
    "BearerAuth",
    "CursorPagination",
    "HttpSourceConfig",
    "HttpWriteMode",
    "LinkHeaderPagination",
    "NextUrlPagination",
    "OffsetPagination",
    "PageNumberPagination",
    "Pagination",
    "PaginationStyle",
    "ParamValue",
    "Progress",
]

#: Pages fetched at most, so a ``next_page`` that never ends cannot loop forever.
DEFAULT_MAX_PAGES = 10_000

ParamValue = str | int | float | bool
HttpWriteMode = LoadMode
PaginationStyle = Literal["page_number", "offset", "cursor", "link", "next_url"]
#: Told after each page: ``progress(pages_so_far, records_so_far)``.
Progress = Callable[[int, int], None]

_FORBID = ConfigDict(extra="forbid", frozen=True)
_Name = Annotated[str, Field(min_length=1)]


class PageNumberPagination(BaseModel):
    """Pages numbered 1, 2, 3...: ``?page=N&per_page=M``, until the body's ``next_page`` is null.

    Parameters
    ----------
    style : "page_number"
    page_param : str, default "page"
        The query parameter that carries the page number.
    size_param : str or None, default "per_page"
        The query parameter that carries the page size (None: do not send one).
    size : int, optional
        Records per page to ask for (the server's default when omitted).
    start_page : int, default 1
        The first page's number.
    next_page_field : str, default "next_page"
        The body field with the next page's number; null or missing means this was the last page.
    """

    model_config = _FORBID

    style: Literal["page_number"] = "page_number"
    page_param: _Name = "page"
    size_param: str | None = "per_page"
    size: Annotated[int, Field(ge=1, le=100_000)] | None = None
    start_page: Annotated[int, Field(ge=0)] = 1
    next_page_field: _Name = "next_page"


class OffsetPagination(BaseModel):
    """``?offset=0&limit=100``, then ``offset=100``...; done on a short page (or at the body's total).

    Parameters
    ----------
    style : "offset"
    offset_param, limit_param : str, default "offset", "limit"
        The query parameters of the first record's position and of the page size.
    limit : int, default 100
        Records per page.
    start : int, default 0
        The first offset.
    total_field : str, optional
        A body field (dotted) with the total number of records, to stop without a short page.
    """

    model_config = _FORBID

    style: Literal["offset"] = "offset"
    offset_param: _Name = "offset"
    limit_param: _Name = "limit"
    limit: Annotated[int, Field(ge=1, le=100_000)] = 100
    start: Annotated[int, Field(ge=0)] = 0
    total_field: str | None = None


class CursorPagination(BaseModel):
    """A next-page token in the body (``next_cursor``), sent back as a query parameter (``cursor``).

    Parameters
    ----------
    style : "cursor"
    cursor_field : str, default "next_cursor"
        The body field (dotted, e.g. ``meta.next``) holding the token; null, "" or missing ends.
    cursor_param : str, default "cursor"
        The query parameter that carries the token back.
    """

    model_config = _FORBID

    style: Literal["cursor"] = "cursor"
    cursor_field: _Name = "next_cursor"
    cursor_param: _Name = "cursor"


class LinkHeaderPagination(BaseModel):
    """The ``Link: <url>; rel="next"`` response header (GitHub style); no such link ends."""

    model_config = _FORBID

    style: Literal["link"] = "link"


class NextUrlPagination(BaseModel):
    """The next page's full URL in a body field (``next``, or dotted like ``links.next``).

    Parameters
    ----------
    style : "next_url"
    next_url_field : str, default "next"
        The body field with the URL (absolute or relative to the page); null or missing ends.
    """

    model_config = _FORBID

    style: Literal["next_url"] = "next_url"
    next_url_field: _Name = "next"


#: Every pagination style, told apart by ``style``.
Pagination = Annotated[
    PageNumberPagination | OffsetPagination | CursorPagination | LinkHeaderPagination | NextUrlPagination,
    Field(discriminator="style"),
]


class BearerAuth(BaseModel):
    """``Authorization: Bearer <token>``; ``token`` is ``${ENV_VAR}`` or ``secret: NAME``."""

    model_config = _FORBID

    type: Literal["bearer"] = "bearer"
    token: _Name


class ApiKeyAuth(BaseModel):
    """An API key in a header (``X-API-Key: <key>``) or a query parameter (``?api_key=<key>``).

    Parameters
    ----------
    type : "api_key"
    key : str
        ``${ENV_VAR}`` or ``secret: NAME`` (a literal works too, but then it sits in the file).
    name : str, default "X-API-Key"
        The header or query parameter name.
    location : {"header", "query"}, default "header"
    """

    model_config = _FORBID

    type: Literal["api_key"] = "api_key"
    key: _Name
    name: _Name = "X-API-Key"
    location: Literal["header", "query"] = "header"


class BasicAuth(BaseModel):
    """HTTP basic auth; ``password`` is ``${ENV_VAR}`` or ``secret: NAME``."""

    model_config = _FORBID

    type: Literal["basic"] = "basic"
    username: _Name
    password: str


#: Every auth style, told apart by ``type``.
Auth = Annotated[BearerAuth | ApiKeyAuth | BasicAuth, Field(discriminator="type")]


class HttpSourceConfig(BaseModel):
    """A ``kind: http`` entry of ``sources.yaml``: JSON records from an HTTP API.

    Parameters
    ----------
    kind : "http"
    name : str
        The raw table, ``campaigns`` or ``raw.campaigns``.
    url : str
        ``http://`` or ``https://`` address of the records.
    record_path : str or None, default "data"
        Where the list of records sits in the body, dotted for nesting (``result.items``); None
        when the body itself is the list (a list body is also taken as is when the path is missing).
    pagination : one of the pagination models, optional
        How to walk the pages (``style``: page_number, offset, cursor, link, next_url); one
        request when omitted.
    auth : BearerAuth, ApiKeyAuth or BasicAuth, optional
        Credentials (``type``: bearer, api_key, basic); never logged or recorded.
    params, headers : dict
        Extra query parameters and request headers (header values are never recorded).
    mode : {"replace", "append", "merge"}, default "replace"
    primary_key : list of str
        The key for ``mode: merge`` (flattened names, ``meta__id`` for ``meta.id``).
    cursor : str, optional
        A record field (e.g. ``updated_at``) whose largest loaded value is kept as the state.
    cursor_param : str, optional
        The query parameter that sends the stored cursor value back (e.g. ``updated_since``).
    initial_cursor : str, int or float, optional
        Sent as ``cursor_param`` on the first run, before any state exists.
    state_key : str, optional
        Where the cursor is kept in ``meta.source_state`` (default: ``http:<raw table>``).
    timeout : float, default 30
        Seconds to wait for each response.
    max_retries : int, default 5
        Retries of one request on 5xx, 408/425/429, timeouts and connection errors.
    backoff : float, default 0.5
        Seconds before the first retry; doubled each time (with jitter), at most ``max_backoff``.
    max_backoff : float, default 30
        The longest single wait between retries.
    max_retry_wait : float, default 120
        Seconds of waiting, over all retries of one load, after which the load gives up.
    rate_limit : float, optional
        Requests per second at most (a token bucket).
    max_pages : int, default 10,000
        Pages fetched at most.
    """

    model_config = _FORBID

    kind: Literal["http"]
    name: _Name
    url: _Name
    record_path: str | None = "data"
    pagination: Pagination | None = None
    auth: Auth | None = None
    params: dict[str, ParamValue] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    mode: HttpWriteMode = "replace"
    primary_key: list[str] = Field(default_factory=list)
    cursor: str | None = None
    cursor_param: str | None = None
    initial_cursor: str | int | float | None = None
    state_key: str | None = None
    timeout: Annotated[float, Field(gt=0, le=3600)] = 30.0
    max_retries: Annotated[int, Field(ge=0, le=100)] = 5
    backoff: Annotated[float, Field(ge=0, le=600)] = 0.5
    max_backoff: Annotated[float, Field(ge=0, le=3600)] = 30.0
    max_retry_wait: Annotated[float, Field(ge=0, le=86_400)] = 120.0
    rate_limit: Annotated[float, Field(gt=0, le=10_000)] | None = None
    max_pages: Annotated[int, Field(ge=1)] = DEFAULT_MAX_PAGES

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"url {value!r} must start with http:// or https://")
        return value

    def ingest(self, workspace: Workspace, *, progress: Progress | None = None) -> LoadResult:
        """Load this source into its raw table.

        Parameters
        ----------
        workspace : Workspace
            Where to load; ``secret: NAME`` values are looked up in its secrets file.
        progress : callable, optional
            Called as ``progress(pages, records)`` after each page.

        Returns
        -------
        LoadResult
        """
        from aimass.ingest.http.source import ingest_http

        return ingest_http(
            workspace,
            self.url,
            self.name,
            record_path=self.record_path,
            pagination=self.pagination,
            auth=self.auth,
            params=self.params,
            headers=self.headers,
            mode=self.mode,
            primary_key=self.primary_key,
            cursor=self.cursor,
            cursor_param=self.cursor_param,
            initial_cursor=self.initial_cursor,
            state_key=self.state_key,
            timeout=self.timeout,
            max_retries=self.max_retries,
            backoff=self.backoff,
            max_backoff=self.max_backoff,
            max_retry_wait=self.max_retry_wait,
            rate_limit=self.rate_limit,
            max_pages=self.max_pages,
            progress=progress,
        )
