"""The HTTP JSON source: paged JSON records from an API into a raw table.

Same shape as every source package: ``config`` (options and the ``sources.yaml`` entry),
``source`` (the load function), ``errors`` (failures worded for the user, transient or terminal),
plus ``pagination`` (one paginator per style), ``client`` (rate limit and retries) and
``records`` (JSON records as Arrow).
"""

from __future__ import annotations

from aimass.ingest.http.client import Fetcher, RetryPolicy, TokenBucket, retry_after_seconds
from aimass.ingest.http.config import (
    DEFAULT_MAX_PAGES,
    ApiKeyAuth,
    Auth,
    BasicAuth,
    BearerAuth,
    CursorPagination,
    HttpSourceConfig,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    PageNumberPagination,
    Pagination,
)
from aimass.ingest.http.records import flatten_record, page_to_arrow, records_to_arrow
from aimass.ingest.http.source import fetch_records, ingest_http, iter_pages

#: The config model of ``kind: http``, looked up by ``aimass.ingest._sources``.
CONFIG = HttpSourceConfig

__all__ = [
    "CONFIG",
    "DEFAULT_MAX_PAGES",
    "ApiKeyAuth",
    "Auth",
    "BasicAuth",
    "BearerAuth",
    "CursorPagination",
    "Fetcher",
    "HttpSourceConfig",
    "LinkHeaderPagination",
    "NextUrlPagination",
    "OffsetPagination",
    "PageNumberPagination",
    "Pagination",
    "RetryPolicy",
    "TokenBucket",
    "fetch_records",
    "flatten_record",
    "ingest_http",
    "iter_pages",
    "page_to_arrow",
    "records_to_arrow",
    "retry_after_seconds",
]
