"""Ingest: sources (files, SQL databases, HTTP APIs, SFTP drops, web pages) landed in ``raw.*`` with lineage.

Every load is atomic (a failed load leaves the warehouse as it was), adds the lineage columns
``_load_id``, ``_source_file`` and ``_loaded_at`` to every row, and leaves a row in ``meta.loads``.

The names below are imported on first use (PEP 562), so importing one submodule (e.g.
``aimass.ingest.files.config``) does not import every source and its dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimass._lazy import lazy_exports

if TYPE_CHECKING:
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

#: Public name -> (module, attribute) it is imported from on first use.
_LAZY: dict[str, tuple[str, str]] = {
    "BatchInput": ("aimass.ingest._batches", "BatchInput"),
    "load_batches": ("aimass.ingest._batches", "load_batches"),
    "EXPORT_FORMATS": ("aimass.ingest._export", "EXPORT_FORMATS"),
    "ExportResult": ("aimass.ingest._export", "ExportResult"),
    "export_table": ("aimass.ingest._export", "export_table"),
    "flatten": ("aimass.ingest._flatten", "flatten"),
    "load_flattened": ("aimass.ingest._flatten", "load_flattened"),
    "load_flattened_file": ("aimass.ingest._flatten", "load_flattened_file"),
    "read_json_records": ("aimass.ingest._flatten", "read_json_records"),
    "PatternCounts": ("aimass.ingest._patterns", "PatternCounts"),
    "parse_patterns": ("aimass.ingest._patterns", "parse_patterns"),
    "pattern_counts": ("aimass.ingest._patterns", "pattern_counts"),
    "LoadResult": ("aimass.ingest._result", "LoadResult"),
    "schema_hash": ("aimass.ingest._result", "schema_hash"),
    "mask": ("aimass.ingest._secrets", "mask"),
    "resolve_secret": ("aimass.ingest._secrets", "resolve_secret"),
    "KIND_PACKAGES": ("aimass.ingest._sources", "KIND_PACKAGES"),
    "SOURCE_KINDS": ("aimass.ingest._sources", "SOURCE_KINDS"),
    "SOURCES_FILE": ("aimass.ingest._sources", "SOURCES_FILE"),
    "DeclaredSource": ("aimass.ingest._sources", "DeclaredSource"),
    "SourceConfig": ("aimass.ingest._sources", "SourceConfig"),
    "SourceOutcome": ("aimass.ingest._sources", "SourceOutcome"),
    "declared_sources": ("aimass.ingest._sources", "declared_sources"),
    "expand_env": ("aimass.ingest._sources", "expand_env"),
    "ingest_sources": ("aimass.ingest._sources", "ingest_sources"),
    "read_sources": ("aimass.ingest._sources", "read_sources"),
    "run_sources": ("aimass.ingest._sources", "run_sources"),
    "read_state": ("aimass.ingest._state", "read_state"),
    "read_states": ("aimass.ingest._state", "read_states"),
    "EXTENSIONS": ("aimass.ingest.files", "EXTENSIONS"),
    "FILE_FORMATS": ("aimass.ingest.files", "FILE_FORMATS"),
    "FileOptions": ("aimass.ingest.files", "FileOptions"),
    "FileSourceConfig": ("aimass.ingest.files", "FileSourceConfig"),
    "format_of": ("aimass.ingest.files", "format_of"),
    "ingest_files": ("aimass.ingest.files", "ingest_files"),
    "DEFAULT_MAX_PAGES": ("aimass.ingest.http", "DEFAULT_MAX_PAGES"),
    "HttpSourceConfig": ("aimass.ingest.http", "HttpSourceConfig"),
    "PageNumberPagination": ("aimass.ingest.http", "PageNumberPagination"),
    "ingest_http": ("aimass.ingest.http", "ingest_http"),
    "SftpSourceConfig": ("aimass.ingest.sftp", "SftpSourceConfig"),
    "SqlSourceConfig": ("aimass.ingest.sql", "SqlSourceConfig"),
    "ingest_sql": ("aimass.ingest.sql", "ingest_sql"),
    "WebSourceConfig": ("aimass.ingest.web", "WebSourceConfig"),
}

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
