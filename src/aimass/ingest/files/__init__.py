"""The files source: local CSV, TSV, Parquet, JSON, JSON Lines and Excel files into raw tables.

Every source package has the same shape: ``config`` (its options and its ``sources.yaml`` entry),
``source`` (the load function), ``errors`` (its failures worded for the user).
"""

from __future__ import annotations

from aimass.ingest.files.config import EXTENSIONS, FILE_FORMATS, FileOptions, FileSourceConfig, format_of
from aimass.ingest.files.source import expand_files, ingest_files

CONFIG = FileSourceConfig

__all__ = [
    "CONFIG",
    "EXTENSIONS",
    "FILE_FORMATS",
    "FileOptions",
    "FileSourceConfig",
    "expand_files",
    "format_of",
    "ingest_files",
]
