"""Ingest: sources (local files, HTTP JSON) landed in ``raw.*`` tables with lineage.

Every load is atomic (a failed load leaves the warehouse as it was), adds the lineage columns
``_load_id``, ``_source_file`` and ``_loaded_at`` to every row, and leaves a row in ``meta.loads``.
"""

from __future__ import annotations

from aimass.ingest._result import LoadResult, schema_hash
from aimass.ingest._sources import (
    SOURCE_KINDS,
    SOURCES_FILE,
    SourceConfig,
    expand_env,
    ingest_sources,
    read_sources,
)
from aimass.ingest.files import (
    EXTENSIONS,
    FILE_FORMATS,
    FileOptions,
    FileSourceConfig,
    format_of,
    ingest_files,
)
from aimass.ingest.http import DEFAULT_MAX_PAGES, HttpSourceConfig, PageNumberPagination, ingest_http

__all__ = [
    "DEFAULT_MAX_PAGES",
    "EXTENSIONS",
    "FILE_FORMATS",
    "SOURCES_FILE",
    "SOURCE_KINDS",
    "FileOptions",
    "FileSourceConfig",
    "HttpSourceConfig",
    "LoadResult",
    "PageNumberPagination",
    "SourceConfig",
    "expand_env",
    "format_of",
    "ingest_files",
    "ingest_http",
    "ingest_sources",
    "read_sources",
    "schema_hash",
]
