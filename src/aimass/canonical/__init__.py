"""The canonical model: the ``core.*`` tables every analysis reads, and validation on write."""

from __future__ import annotations

from aimass.canonical._tables import CANONICAL_TABLES, ColumnSpec, TableSpec, table_spec
from aimass.canonical._validate import conform, write_core

__all__ = ["CANONICAL_TABLES", "ColumnSpec", "TableSpec", "conform", "table_spec", "write_core"]
