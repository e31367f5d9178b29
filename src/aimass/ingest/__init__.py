"""Ingest: sources (files, SQL databases, HTTP APIs, SFTP drops, web pages) landed in ``raw.*`` with lineage.

Every load is atomic (a failed load leaves the warehouse as it was), adds the lineage columns
``_load_id``, ``_source_file`` and ``_loaded_at`` to every row, and leaves a row in ``meta.loads``.
"""

from __future__ import annotations

from aimass.ingest._batches import BatchInput, load_batches
from aimass.ingest._export import EXPORT_FORMATS, ExportResult, export_table
from aimass.ingest._flatten import flatten, load_flattened, load_flattened_file, read_json_records
from aimass.ingest._patterns import PatternCounts, parse_patterns, pattern_counts
from aimass.ingest._result import LoadResult, schema_hash
from aimass.ingest._secrets import mask, resolve_secret
from aimass.ingest._sources import (
    KIND_PACKAGES,
    SOURCE_KINDS,
    SOURCES_FILE,
    DeclaredSource,
    SourceConfig,
    SourceOutcome,
    declared_sources,
    expand_env,
    ingest_sources,
    read_sources,
    run_sources,
)
from aimass.ingest._state import read_state, read_states
from aimass.ingest.files import (
    EXTENSIONS,
    FILE_FORMATS,
    FileOptions,
    FileSourceConfig,
    format_of,
    ingest_files,
)
from aimass.ingest.http import DEFAULT_MAX_PAGES, HttpSourceConfig, PageNumberPagination, ingest_http
from aimass.ingest.sftp import SftpSourceConfig
from aimass.ingest.sql import SqlSourceConfig, ingest_sql
from aimass.ingest.web import WebSourceConfig

__all__ = [
    "DEFAULT_MAX_PAGES",
    "EXPORT_FORMATS",
    "EXTENSIONS",
    "FILE_FORMATS",
    "KIND_PACKAGES",
    "SOURCES_FILE",
    "SOURCE_KINDS",
    "BatchInput",
    "DeclaredSource",
    "ExportResult",
    "FileOptions",
    "FileSourceConfig",
    "HttpSourceConfig",
    "LoadResult",
    "PageNumberPagination",
    "PatternCounts",
    "SftpSourceConfig",
    "SourceConfig",
    "SourceOutcome",
    "SqlSourceConfig",
    "WebSourceConfig",
    "declared_sources",
    "expand_env",
    "export_table",
    "flatten",
    "format_of",
    "ingest_files",
    "ingest_http",
    "ingest_sources",
    "ingest_sql",
    "load_batches",
    "load_flattened",
    "load_flattened_file",
    "mask",
    "parse_patterns",
    "pattern_counts",
    "read_json_records",
    "read_sources",
    "read_state",
    "read_states",
    "resolve_secret",
    "run_sources",
    "schema_hash",
]
