"""The HTTP JSON source: paged JSON records from an API into a raw table.

Same shape as every source package: ``config`` (options and the ``sources.yaml`` entry),
``source`` (the load function), ``errors`` (failures worded for the user, transient or terminal),
plus ``pagination`` (one paginator per style).
"""

from __future__ import annotations

from aimass.ingest.http.config import DEFAULT_MAX_PAGES, HttpSourceConfig, PageNumberPagination, Pagination
from aimass.ingest.http.source import fetch_records, flatten_record, ingest_http, records_to_arrow

__all__ = [
    "DEFAULT_MAX_PAGES",
    "HttpSourceConfig",
    "PageNumberPagination",
    "Pagination",
    "fetch_records",
    "flatten_record",
    "ingest_http",
    "records_to_arrow",
]
