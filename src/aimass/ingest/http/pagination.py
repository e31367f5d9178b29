"""Walking the pages of an HTTP API: one paginator per style, all with the same two methods.

A request is a URL and its query parameters. :meth:`Paginator.first` gives the first one;
:meth:`Paginator.next` looks at the page just fetched (its body, its ``Link`` header, how many
records it held) and gives the next request, or None when that was the last page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin

from aimass.exceptions import TerminalSourceError
from aimass.ingest.http.config import (
    CursorPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    PageNumberPagination,
    Pagination,
    ParamValue,
)

__all__ = [
    "CursorPaginator",
    "LinkHeaderPaginator",
    "NextUrlPaginator",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "Paginator",
    "Request",
    "SinglePage",
    "dotted",
    "paginator_for",
]


@dataclass(frozen=True)
class Request:
    """One request: the URL and its query parameters (the URL may carry a query of its own)."""

    url: str
    params: dict[str, ParamValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """What a paginator may look at after a page.

    Parameters
    ----------
    body : Any
        The parsed JSON.
    records : int
        Records on the page.
    url : str
        The page's URL as requested (the base of relative next links).
    shown : str
        The same URL with secrets masked, for messages.
    next_link : str, optional
        The ``Link`` header's ``rel="next"`` URL.
    """

    body: Any
    records: int
    url: str
    shown: str
    next_link: str | None = None


def dotted(body: Any, path: str) -> Any:
    """The value at a dotted path (``meta.next``) of a JSON body, or None when any part is missing.

    Examples
    --------
    >>> dotted({"meta": {"next": "abc"}}, "meta.next")
    'abc'
    >>> dotted({"meta": {}}, "meta.next") is None
    True
    """
    found = body
    for part in path.split("."):
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    return found


class Paginator(Protocol):
    """What the HTTP source needs from a pagination style."""

    def first(self, request: Request) -> Request:
        """The first request, from the URL and the base parameters."""

    def next(self, request: Request, page: Page) -> Request | None:
        """The request after ``request`` whose answer was ``page``, or None when done."""


class SinglePage:
    """No pagination: one request."""

    def first(self, request: Request) -> Request:
        return request

    def next(self, request: Request, page: Page) -> Request | None:
        return None


class PageNumberPaginator:
    """Page numbers in a query parameter; the body's ``next_page`` field says which page comes next."""

    def __init__(self, config: PageNumberPagination) -> None:
        self.config = config

    def first(self, request: Request) -> Request:
        params: dict[str, ParamValue] = {**request.params, self.config.page_param: self.config.start_page}
        if self.config.size_param is not None and self.config.size is not None:
            params[self.config.size_param] = self.config.size
        return Request(request.url, params)

    def next(self, request: Request, page: Page) -> Request | None:
        name = self.config.next_page_field
        following = dotted(page.body, name)
        if following is None:
            return None
        current = request.params[self.config.page_param]
        if isinstance(following, bool) or not isinstance(following, int):
            raise TerminalSourceError(
                f"{page.shown}: the body's {name!r} must be a page number or null, got {following!r}"
            )
        if not isinstance(current, int) or following <= current:
            raise TerminalSourceError(
                f"{page.shown}: the body's {name!r} went from page {current} to {following}: the pages "
                "do not advance, so the API's pagination is broken"
            )
        return Request(request.url, {**request.params, self.config.page_param: following})


class OffsetPaginator:
    """``offset``/``limit`` parameters; a page shorter than ``limit`` (or the body's total) ends."""

    def __init__(self, config: OffsetPagination) -> None:
        self.config = config

    def first(self, request: Request) -> Request:
        config = self.config
        return Request(
            request.url,
            {**request.params, config.offset_param: config.start, config.limit_param: config.limit},
        )

    def next(self, request: Request, page: Page) -> Request | None:
        config = self.config
        offset = request.params[config.offset_param]
        if not isinstance(offset, int):
            raise TerminalSourceError(f"{page.shown}: the offset {offset!r} is not a number")
        following = offset + page.records
        if page.records < config.limit:
            return None
        if config.total_field is not None:
            total = dotted(page.body, config.total_field)
            if isinstance(total, int) and not isinstance(total, bool) and following >= total:
                return None
        return Request(request.url, {**request.params, config.offset_param: following})


class CursorPaginator:
    """A token from the body (``next_cursor``) sent back as a query parameter (``cursor``)."""

    def __init__(self, config: CursorPagination) -> None:
        self.config = config
        self.seen: set[str] = set()

    def first(self, request: Request) -> Request:
        self.seen.clear()
        return request

    def next(self, request: Request, page: Page) -> Request | None:
        token = dotted(page.body, self.config.cursor_field)
        if token is None or token == "" or token is False:
            return None
        if isinstance(token, dict | list):
            raise TerminalSourceError(
                f"{page.shown}: the body's {self.config.cursor_field!r} must be a token (text or number), "
                f"got {type(token).__name__}"
            )
        key = str(token)
        if key in self.seen:
            raise TerminalSourceError(
                f"{page.shown}: the API sent the next-page token {key!r} a second time; its pagination "
                "loops, so the load stopped"
            )
        self.seen.add(key)
        return Request(request.url, {**request.params, self.config.cursor_param: token})


class _UrlPaginator:
    """Shared by the styles that get the next page's whole URL: a repeated URL stops the load."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def first(self, request: Request) -> Request:
        self.seen = {request.url}
        return request

    def _follow(self, link: Any, page: Page, where: str) -> Request | None:
        if link is None or link == "":
            return None
        if not isinstance(link, str):
            raise TerminalSourceError(f"{page.shown}: {where} must be a URL, got {type(link).__name__}")
        absolute = urljoin(page.url, link)
        if absolute in self.seen:
            raise TerminalSourceError(
                f"{page.shown}: {where} points back to a page already fetched; the API's pagination loops"
            )
        self.seen.add(absolute)
        return Request(absolute, {})  # the next URL carries every parameter itself


class LinkHeaderPaginator(_UrlPaginator):
    """The ``Link`` header's ``rel="next"`` URL."""

    def __init__(self, config: LinkHeaderPagination) -> None:
        super().__init__()
        self.config = config

    def next(self, request: Request, page: Page) -> Request | None:
        return self._follow(page.next_link, page, 'the Link header\'s rel="next"')


class NextUrlPaginator(_UrlPaginator):
    """The next page's URL in a body field."""

    def __init__(self, config: NextUrlPagination) -> None:
        super().__init__()
        self.config = config

    def next(self, request: Request, page: Page) -> Request | None:
        name = self.config.next_url_field
        return self._follow(dotted(page.body, name), page, f"the body's {name!r}")


def paginator_for(config: Pagination | None) -> Paginator:
    """The paginator for a pagination config (one request when None)."""
    if config is None:
        return SinglePage()
    if isinstance(config, PageNumberPagination):
        return PageNumberPaginator(config)
    if isinstance(config, OffsetPagination):
        return OffsetPaginator(config)
    if isinstance(config, CursorPagination):
        return CursorPaginator(config)
    if isinstance(config, LinkHeaderPagination):
        return LinkHeaderPaginator(config)
    return NextUrlPaginator(config)
