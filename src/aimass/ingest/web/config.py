"""Configuration of the web source: its ``sources.yaml`` entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aimass._typing import LoadMode

if TYPE_CHECKING:
    from aimass.ingest._result import LoadResult
    from aimass.workspace import Workspace

__all__ = ["WebSourceConfig"]


class WebSourceConfig(BaseModel):
    """A ``kind: web`` entry of ``sources.yaml``: tables or repeated records from web pages.

    .. code-block:: yaml

        - name: competitor_prices
          kind: web
          urls: [https://shop.example.com/catalog]
          follow: /catalog\\?page=\\d+
          max_pages: 20
          records: div.product
          fields: {name: h2, price: .price, link: a@href}

    Parameters
    ----------
    kind : "web"
    name : str
        The raw table.
    urls : list of str
        The pages, or the start pages of a crawl (one address may be given as a plain string).
    follow : str, optional
        Regular expression of the links to follow (same host only).
    max_pages : int, default 10
        Pages read at most.
    delay : float, default 1.0
        Seconds between two requests to one host.
    timeout : float, default 30
    user_agent : str, optional
        Replaces the default ``AI-Mass/<version> ...`` user agent.
    records : str, optional
        CSS selector of a repeated element; one row per element (instead of ``<table>`` rows).
    fields : dict of str to str
        With ``records``: column -> CSS selector inside the element (``a@href`` for an attribute).
    table_index : int, optional
        Only this ``<table>`` of each page (0-based).
    mode : {"replace", "append", "merge"}, default "replace"
    primary_key : list of str
        The key ``merge`` upserts by.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["web"]
    name: Annotated[str, Field(min_length=1)]
    urls: Annotated[list[str], Field(min_length=1)]
    follow: str | None = None
    max_pages: Annotated[int, Field(ge=1, le=100_000)] = 10
    delay: Annotated[float, Field(ge=0, le=3600)] = 1.0
    timeout: Annotated[float, Field(gt=0, le=3600)] = 30.0
    user_agent: str | None = None
    records: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    table_index: Annotated[int, Field(ge=0)] | None = None
    mode: LoadMode = "replace"
    primary_key: list[str] = Field(default_factory=list)

    @field_validator("urls", mode="before")
    @classmethod
    def _one_url(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("urls")
    @classmethod
    def _check_urls(cls, value: list[str]) -> list[str]:
        if bad := [url for url in value if not url.startswith(("http://", "https://"))]:
            raise ValueError(f"{', '.join(bad)} must start with http:// or https://")
        return value

    def ingest(self, workspace: Workspace, *, progress: Callable[..., Any] | None = None) -> LoadResult:
        """Load this source into its raw table."""
        from aimass.ingest.web.source import DEFAULT_USER_AGENT, ingest_web

        return ingest_web(
            workspace,
            self.urls,
            self.name,
            follow=self.follow,
            max_pages=self.max_pages,
            delay=self.delay,
            timeout=self.timeout,
            user_agent=self.user_agent or DEFAULT_USER_AGENT,
            records=self.records,
            fields=self.fields,
            table_index=self.table_index,
            mode=self.mode,
            primary_key=self.primary_key,
        )
