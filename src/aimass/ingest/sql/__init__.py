"""The SQL source: tables, a schema or a query from PostgreSQL, MySQL/MariaDB, SQLite or any
SQLAlchemy database, streamed in Arrow batches into raw tables.

Same shape as every source package: ``config`` (the ``sources.yaml`` entry), ``source`` (the load
function), ``errors`` (failures worded for the user, transient or terminal), plus ``urls`` (URLs
as pasted -> installed drivers), ``types`` (SQL -> Arrow) and ``reader`` (chunked reads).
"""

from __future__ import annotations

from aimass.ingest.sql.config import SqlSourceConfig
from aimass.ingest.sql.reader import SqlRead, has_native_reader, list_tables, read_batches
from aimass.ingest.sql.source import DEFAULT_CHUNK_SIZE, combine_results, ingest_sql
from aimass.ingest.sql.urls import mask_url, normalize_url

#: The config model of this kind, looked up by ``aimass.ingest._sources``.
CONFIG = SqlSourceConfig

__all__ = [
    "CONFIG",
    "DEFAULT_CHUNK_SIZE",
    "SqlRead",
    "SqlSourceConfig",
    "combine_results",
    "has_native_reader",
    "ingest_sql",
    "list_tables",
    "mask_url",
    "normalize_url",
    "read_batches",
]
