"""String options shared across modules, collected as ``Literal`` aliases."""

from __future__ import annotations

from typing import Literal

EngineKind = Literal["duckdb", "spark"]
#: How a load lands in its table: replace it, append to it, or upsert by primary key.
LoadMode = Literal["replace", "append", "merge"]
#: What ``Engine.write_table`` accepts (the same three; ``merge`` needs ``key=``).
WriteMode = LoadMode
FileFormat = Literal["csv", "tsv", "parquet", "json", "jsonl", "excel"]
Frame = Literal["arrow", "pandas", "polars"]
RunStatus = Literal["running", "ok", "failed"]
CanonicalType = Literal["string", "int64", "float64", "boolean", "timestamp", "date", "json"]
KeyScope = Literal["decide", "feedback", "admin", "read"]
