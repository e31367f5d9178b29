"""The files source: local CSV, TSV, Parquet, JSON, JSON Lines and Excel files into raw tables.

Every source package has the same shape: ``config`` (its options and its ``sources.yaml`` entry),
``source`` (the load function), ``errors`` (its failures worded for the user).

The names below are imported on first use (PEP 562), so importing one submodule (e.g.
``aimass.ingest.files.config``) does not import every source and its dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimass._lazy import lazy_exports

if TYPE_CHECKING:
    from aimass.ingest.files.config import EXTENSIONS, FILE_FORMATS, FileOptions, FileSourceConfig, format_of
    from aimass.ingest.files.source import expand_files, ingest_files

    CONFIG = FileSourceConfig

#: Public name -> (module, attribute) it is imported from on first use.
_LAZY: dict[str, tuple[str, str]] = {
    "EXTENSIONS": ("aimass.ingest.files.config", "EXTENSIONS"),
    "FILE_FORMATS": ("aimass.ingest.files.config", "FILE_FORMATS"),
    "FileOptions": ("aimass.ingest.files.config", "FileOptions"),
    "FileSourceConfig": ("aimass.ingest.files.config", "FileSourceConfig"),
    "format_of": ("aimass.ingest.files.config", "format_of"),
    "expand_files": ("aimass.ingest.files.source", "expand_files"),
    "ingest_files": ("aimass.ingest.files.source", "ingest_files"),
    "CONFIG": ("aimass.ingest.files.config", "FileSourceConfig"),
}

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
