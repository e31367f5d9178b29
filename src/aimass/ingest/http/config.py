"""Configuration of the HTTP JSON source: pagination and its ``sources.yaml`` entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aimass._typing import WriteMode

if TYPE_CHECKING:
    from aimass.ingest._result import LoadResult
    from aimass.workspace import Workspace

__all__ = ["DEFAULT_MAX_PAGES", "HttpSourceConfig", "PageNumberPagination", "Pagination"]

#: Pages fetched at most, so a ``next_page`` that never ends cannot loop forever.
DEFAULT_MAX_PAGES = 10_000

ParamValue = str | int | float | bool


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

    model_config = ConfigDict(extra="forbid", frozen=True)

    style: Literal["page_number"] = "page_number"
    page_param: Annotated[str, Field(min_length=1)] = "page"
    size_param: str | None = "per_page"
    size: Annotated[int, Field(ge=1, le=100_000)] | None = None
    start_page: Annotated[int, Field(ge=0)] = 1
    next_page_field: Annotated[str, Field(min_length=1)] = "next_page"


#: Every pagination style; a later style joins this union, discriminated on ``style``.
Pagination = PageNumberPagination


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
        when the body itself is the list.
    pagination : PageNumberPagination, optional
        How to walk the pages; one request when omitted.
    params, headers : dict
        Extra query parameters and request headers (headers are never recorded).
    mode : {"replace", "append"}, default "replace"
    timeout : float, default 30
        Seconds to wait for each response.
    max_pages : int, default 10,000
        Pages fetched at most.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["http"]
    name: Annotated[str, Field(min_length=1)]
    url: Annotated[str, Field(min_length=1)]
    record_path: str | None = "data"
    pagination: Pagination | None = None
    params: dict[str, ParamValue] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    mode: WriteMode = "replace"
    timeout: Annotated[float, Field(gt=0, le=3600)] = 30.0
    max_pages: Annotated[int, Field(ge=1)] = DEFAULT_MAX_PAGES

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"url {value!r} must start with http:// or https://")
        return value

    def ingest(self, workspace: Workspace) -> LoadResult:
        """Load this source into its raw table."""
        from aimass.ingest.http.source import ingest_http

        return ingest_http(
            workspace,
            self.url,
            self.name,
            record_path=self.record_path,
            pagination=self.pagination,
            params=self.params,
            headers=self.headers,
            mode=self.mode,
            timeout=self.timeout,
            max_pages=self.max_pages,
        )
