"""Walking the pages of an HTTP API: one paginator per style, all with the same two methods."""

from __future__ import annotations

from typing import Any, Protocol

from aimass.exceptions import TerminalSourceError
from aimass.ingest.http.config import PageNumberPagination, Pagination, ParamValue

__all__ = ["PageNumberPaginator", "Paginator", "SinglePage", "paginator_for"]


class Paginator(Protocol):
    """What the HTTP source needs from a pagination style."""

    def first(self) -> dict[str, ParamValue]:
        """Query parameters of the first request."""

    def next(self, body: Any, params: dict[str, ParamValue]) -> dict[str, ParamValue] | None:
        """Query parameters of the request after the one sent with ``params``, or None when done."""


class SinglePage:
    """No pagination: one request."""

    def first(self) -> dict[str, ParamValue]:
        return {}

    def next(self, body: Any, params: dict[str, ParamValue]) -> dict[str, ParamValue] | None:
        return None


class PageNumberPaginator:
    """Page numbers in a query parameter; the body's ``next_page`` field says which page comes next."""

    def __init__(self, config: PageNumberPagination) -> None:
        self.config = config

    def first(self) -> dict[str, ParamValue]:
        params: dict[str, ParamValue] = {self.config.page_param: self.config.start_page}
        if self.config.size_param is not None and self.config.size is not None:
            params[self.config.size_param] = self.config.size
        return params

    def next(self, body: Any, params: dict[str, ParamValue]) -> dict[str, ParamValue] | None:
        field = self.config.next_page_field
        following = body.get(field) if isinstance(body, dict) else None
        if following is None:
            return None
        current = params[self.config.page_param]
        if isinstance(following, bool) or not isinstance(following, int):
            raise TerminalSourceError(
                f"the body's {field!r} must be a page number or null, got {following!r}"
            )
        if not isinstance(current, int) or following <= current:
            raise TerminalSourceError(
                f"the body's {field!r} went from page {current} to {following}: the pages do not advance, "
                "so the API's pagination is broken"
            )
        return {**params, self.config.page_param: following}


def paginator_for(config: Pagination | None) -> Paginator:
    """The paginator for a pagination config (one request when None)."""
    if config is None:
        return SinglePage()
    return PageNumberPaginator(config)
