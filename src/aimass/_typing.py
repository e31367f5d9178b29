"""String options shared across modules, collected as ``Literal`` aliases."""

from __future__ import annotations

from typing import Literal

EngineKind = Literal["duckdb", "spark"]
WriteMode = Literal["replace", "append"]
FileFormat = Literal["csv", "tsv", "parquet", "json", "jsonl", "excel"]
Frame = Literal["arrow", "pandas", "polars"]
RunStatus = Literal["running", "ok", "failed"]
CanonicalType = Literal["string", "int64", "float64", "boolean", "timestamp", "date", "json"]
KeyScope = Literal["decide", "feedback", "admin", "read"]
