"""The web source (the "crawler import"): HTML tables and repeated records from pages into a raw table.

Polite by default: a user agent that names AI Mass, a delay between requests to one host (or the
site's ``Crawl-delay`` when longer), and ``robots.txt`` respected; a page it disallows is skipped
and listed in ``meta.loads.details.skipped_by_robots``.
"""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pyarrow as pa

from aimass import __version__
from aimass._typing import LoadMode
from aimass.exceptions import AimassError, ConfigError, TerminalSourceError
from aimass.ingest._load import engine_and_root, raw_target
from aimass.ingest._result import LoadResult
from aimass.ingest.web.errors import fetch_failed, nothing_found, status_failed
from aimass.ingest.web.extract import extract_links, extract_records, extract_tables, parse_page

if TYPE_CHECKING:
    import httpx

    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = ["DEFAULT_USER_AGENT", "Crawl", "crawl_pages", "default_table", "ingest_web", "web_rows"]

DEFAULT_USER_AGENT = f"AI-Mass/{__version__} (aimass data collection; respects robots.txt)"
_LOG = logging.getLogger("aimass.ingest.web")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_DISALLOW_ALL = ["User-agent: *", "Disallow: /"]


@dataclass
class Crawl:
    """What a crawl did: pages read, pages robots.txt disallowed, followed links that were broken."""

    pages: list[str] = field(default_factory=list)
    skipped_by_robots: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


class _Polite:
    """One HTTP client that waits between requests to a host and asks robots.txt first."""

    def __init__(self, client: httpx.Client, *, delay: float, timeout: float, user_agent: str) -> None:
        self.client, self.delay, self.timeout, self.user_agent = client, delay, timeout, user_agent
        self._robots: dict[str, RobotFileParser] = {}
        self._last: dict[str, float] = {}

    def _wait(self, origin: str) -> None:
        robots = self._robots.get(origin)
        crawl_delay = robots.crawl_delay(self.user_agent) if robots is not None else None
        pause = max(self.delay, float(crawl_delay or 0))
        if origin in self._last:
            remaining = self._last[origin] + pause - time.monotonic()
            if remaining > 0:
                time.sleep(remaining)
        self._last[origin] = time.monotonic()

    def get(self, url: str) -> httpx.Response:
        import httpx

        parts = urlsplit(url)
        self._wait(f"{parts.scheme}://{parts.netloc}")
        try:
            return self.client.get(url)
        except httpx.RequestError as error:
            raise fetch_failed(url, error, self.timeout) from None

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            robots = RobotFileParser(f"{origin}/robots.txt")
            response = self.get(f"{origin}/robots.txt")
            if response.status_code in (401, 403):
                robots.parse(_DISALLOW_ALL)
            elif response.status_code >= 500:
                _LOG.warning(
                    "%s/robots.txt answered %s: not crawling that site", origin, response.status_code
                )
                robots.parse(_DISALLOW_ALL)
            elif response.status_code >= 400:
                robots.parse([])
            else:
                robots.parse(response.text.splitlines())
            self._robots[origin] = robots
        return self._robots[origin].can_fetch(self.user_agent, url)


def _is_html(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind in _HTML_TYPES or (not kind and response.text.lstrip()[:1] == "<")


def crawl_pages(
    urls: Sequence[str],
    *,
    follow: str | None = None,
    max_pages: int = 10,
    delay: float = 1.0,
    timeout: float = 30.0,
    user_agent: str = DEFAULT_USER_AGENT,
    crawl: Crawl | None = None,
) -> Iterator[tuple[str, str]]:
    """Fetch ``urls`` (and, with ``follow``, the same-site links matching it), yielding ``(url, html)``.

    Parameters
    ----------
    urls : sequence of str
        Pages to read first, in order.
    follow : str, optional
        A regular expression; links whose absolute URL it matches (``re.search``) are read too,
        breadth first, on the same host as the page they are on.
    max_pages : int, default 10
        Pages read at most (robots-disallowed pages do not count).
    delay : float, default 1.0
        Seconds between two requests to one host (the site's ``Crawl-delay`` when longer).
    timeout : float, default 30
        Seconds to wait for each response.
    user_agent : str
        Sent with every request and matched against robots.txt.
    crawl : Crawl, optional
        Filled in with the pages read, skipped and broken.

    Raises
    ------
    TransientSourceError
        A page given in ``urls`` is unreachable or answered 5xx/429.
    TerminalSourceError
        A page given in ``urls`` answered another 4xx, or is not HTML.
    """
    import httpx

    record = crawl if crawl is not None else Crawl()
    pattern = re.compile(follow) if follow else None
    queue: deque[tuple[str, bool]] = deque((urldefrag(url)[0], True) for url in urls)
    seen = {url for url, _ in queue}
    headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml"}
    with httpx.Client(headers=headers, timeout=timeout, follow_redirects=True) as client:
        polite = _Polite(client, delay=delay, timeout=timeout, user_agent=user_agent)
        while queue and len(record.pages) < max_pages:
            url, given = queue.popleft()
            if not polite.allowed(url):
                _LOG.info("robots.txt disallows %s: skipped", url)
                record.skipped_by_robots.append(url)
                continue
            response = polite.get(url)
            if response.status_code >= 300 or not _is_html(response):
                if not given:
                    record.broken.append(url)
                    continue
                if response.status_code >= 300:
                    raise status_failed(url, response)
                kind = response.headers.get("content-type", "(none)")
                raise TerminalSourceError(f"web source: {url} is not an HTML page (Content-Type {kind})")
            record.pages.append(url)
            html = response.text
            if pattern is not None:
                host = urlsplit(url).netloc
                for href in extract_links(parse_page(html)):
                    link = urldefrag(urljoin(url, href))[0]
                    if link not in seen and urlsplit(link).netloc == host and pattern.search(link):
                        seen.add(link)
                        queue.append((link, False))
            yield url, html


def default_table(url: str) -> str:
    """The raw table a page URL suggests when none is named: its last path part, else its host.

    Examples
    --------
    >>> default_table("https://shop.example.com/catalog/prices.html"), default_table("http://example.com/")
    ('prices', 'example_com')
    """
    from aimass.engine import to_identifier

    parts = urlsplit(url)
    stem = parts.path.rstrip("/").rsplit("/", 1)[-1].split(".")[0]
    return to_identifier(stem or parts.hostname or "web_pages")


def web_rows(
    html: str,
    *,
    table_index: int | None = None,
    records: str | None = None,
    fields: Mapping[str, str] | None = None,
) -> list[dict[str, str | None]]:
    """The rows of one page: its records when ``records`` is given, else its tables.

    With tables, every row gets ``_table`` (the table's 0-based position on the page) unless
    ``table_index`` picks one table.
    """
    page = parse_page(html)
    if records is not None:
        return extract_records(page, records, fields or {})
    tables = extract_tables(page)
    if table_index is not None:
        if table_index >= len(tables):
            return []
        return tables[table_index]
    return [{**row, "_table": str(index)} for index, table in enumerate(tables) for row in table]


def _to_arrow(rows: list[dict[str, str | None]], sources: list[str]) -> pa.Table:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    columns = {name: pa.array([row.get(name) for row in rows], pa.string()) for name in names}
    columns["_source_file"] = pa.array(sources, pa.string())
    return pa.table(columns)


def _crawl_table(
    urls: Sequence[str], crawl: Crawl, options: dict[str, Any], extract: dict[str, Any]
) -> pa.Table:
    rows: list[dict[str, str | None]] = []
    sources: list[str] = []
    for url, html in crawl_pages(urls, crawl=crawl, **options):
        found = web_rows(html, **extract)
        rows.extend(found)
        sources.extend([url] * len(found))
    if not rows:
        what = f"no element matching {extract['records']!r}" if extract.get("records") else "no <table> rows"
        if extract.get("table_index") is not None:
            what = f"no table number {extract['table_index']} (0-based)"
        raise nothing_found(crawl.pages, what, crawl.skipped_by_robots)
    return _to_arrow(rows, sources)


def _replay(table: pa.Table | None, failure: AimassError | None) -> Iterator[pa.Table]:
    """The crawled rows for the loader, or the crawl's failure raised inside it (so it is recorded)."""
    if failure is not None:
        raise failure
    if table is not None:
        yield table


def ingest_web(
    workspace_or_engine: Workspace | Engine,
    urls: str | Sequence[str],
    table: str,
    *,
    follow: str | None = None,
    max_pages: int = 10,
    delay: float = 1.0,
    timeout: float = 30.0,
    user_agent: str = DEFAULT_USER_AGENT,
    records: str | None = None,
    fields: Mapping[str, str] | None = None,
    table_index: int | None = None,
    mode: LoadMode = "replace",
    primary_key: Sequence[str] = (),
) -> LoadResult:
    """Load the tables (or repeated records) of web pages into a raw table.

    Parameters
    ----------
    workspace_or_engine : Workspace or Engine
    urls : str or sequence of str
        The page, the pages, or the start page(s) of a crawl.
    table : str
        The raw table, ``prices`` or ``raw.prices``.
    follow, max_pages, delay, timeout, user_agent
        See :func:`crawl_pages`.
    records : str, optional
        CSS selector of a repeated element (``"div.product"``): one row per element instead of tables.
    fields : mapping of str to str, optional
        With ``records``: column -> CSS selector inside the element (``"a@href"`` for an attribute).
    table_index : int, optional
        Only this table of each page (0-based); all tables, told apart by ``_table``, when omitted.
    mode : {"replace", "append", "merge"}, default "replace"
    primary_key : sequence of str
        The key ``merge`` upserts by.

    Returns
    -------
    LoadResult
        ``files`` lists the pages read; every row's ``_source_file`` is its page's URL.

    Raises
    ------
    ConfigError
        An option is not valid (a bad ``follow`` regex, ``fields`` without ``records``).
    TerminalSourceError, TransientSourceError
        See :func:`crawl_pages`; also when no page held any rows (terminal). The table is left as it was.
    """
    from aimass.ingest._batches import load_batches

    engine, _ = engine_and_root(workspace_or_engine)
    pages = [urls] if isinstance(urls, str) else list(urls)
    if not pages:
        raise ConfigError("web source: give at least one page URL")
    if bad := [url for url in pages if not url.startswith(("http://", "https://"))]:
        raise ConfigError(f"web source: {', '.join(bad)} must start with http:// or https://")
    if fields and records is None:
        raise ConfigError("web source: fields need records (the selector of the repeated element)")
    if follow is not None:
        try:
            re.compile(follow)
        except re.error as error:
            raise ConfigError(
                f"web source: follow={follow!r} is not a valid regular expression: {error}"
            ) from None
    target = raw_target(table)
    crawl = Crawl()
    options = {
        "follow": follow,
        "max_pages": max_pages,
        "delay": delay,
        "timeout": timeout,
        "user_agent": user_agent,
    }
    extract = {"table_index": table_index, "records": records, "fields": dict(fields or {})}
    details: dict[str, Any] = {
        "urls": pages,
        **{key: value for key, value in options.items() if value is not None},
        **{key: value for key, value in extract.items() if value not in (None, {})},
        "pages": crawl.pages,
        "skipped_by_robots": crawl.skipped_by_robots,
        "broken_links": crawl.broken,
    }
    table_read: pa.Table | None = None
    failure: AimassError | None = None
    try:  # pages are small: crawl first, so meta.loads lists every page read
        table_read = _crawl_table(pages, crawl, options, extract)
    except AimassError as error:
        failure = error
    return load_batches(
        engine,
        source=" ".join(pages),
        target=str(target),
        batches=_replay(table_read, failure),
        mode=mode,
        primary_key=primary_key,
        details=details,
        files=crawl.pages,
    )
