"""The engine facade: one small interface over an Ibis connection, implemented per backend."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

import pyarrow as pa

from aimass._typing import EngineKind, WriteMode
from aimass.engine._files import FileReadRequest, Lineage
from aimass.engine._meta import META_TABLES, LoadRecord, RunRecord
from aimass.engine._names import SCHEMAS, TableName, parse_table_name
from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir
    import pandas as pd
    import polars as pl

__all__ = ["Engine", "ExtraRows", "Segments", "TableData", "Validator", "WriteResult", "to_arrow"]

#: Anything that can be written as a table.
TableData = Any  # pa.Table | pa.RecordBatchReader | Segments | pd.DataFrame | pl.DataFrame | ibis Table
#: Called with the staged table before it replaces the live one; raise to abort the write.
Validator = Callable[["ir.Table"], None]
#: Rows appended to other tables in the write's transaction, by qualified name; a callable is
#: called once the data is staged (so it can use what streaming the data found out).
ExtraRows = Mapping[str, "pa.Table | Callable[[], pa.Table | None]"]


@dataclass(frozen=True)
class Segments:
    """Data as consecutive Arrow streams whose schemas may differ (columns added, types changed).

    Each stream is staged after the one before it with the same schema evolution a live table
    gets, so a source whose later pages carry new fields still streams without collecting.
    """

    readers: Iterable[pa.RecordBatchReader]


@dataclass(frozen=True)
class WriteResult:
    """What one write did.

    Parameters
    ----------
    rows : int
        Rows staged (for merge: after keeping the last version of each key).
    rows_new : int
        Rows whose key was not in the table (every row for replace and append).
    rows_updated : int
        Rows that replaced a row with the same key (merge only).
    rows_skipped : int
        Earlier versions of a key in the same data, dropped by merge.
    changes : list of dict
        Schema changes applied to the live table: ``{"column", "change", "from", "to"[, "variant"]}``
        with ``change`` one of ``added``, ``widened``, ``variant``.
    """

    rows: int
    rows_new: int = 0
    rows_updated: int = 0
    rows_skipped: int = 0
    changes: list[dict[str, str]] = field(default_factory=list)


def to_arrow(data: TableData) -> pa.Table:
    """Convert a pandas or polars frame (or Arrow) to an Arrow table."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    if isinstance(data, Segments):
        tables = [reader.read_all() for reader in data.readers]
        return pa.concat_tables(tables, promote_options="permissive")
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)
    if module == "polars":
        return data.to_arrow()
    raise ConfigError(
        f"cannot write a {type(data).__name__}: pass a pyarrow Table, a pandas or polars DataFrame, "
        "or an Ibis table expression"
    )


class Engine(ABC):
    """A warehouse connection with the layers ``raw``, ``core``, ``mart`` and ``meta``.

    Names are always qualified, ``"schema.table"``. Writes are atomic: the data goes to a staging
    table first, is validated there, and replaces (or is appended to) the live table in one
    transaction, so a failed write leaves the warehouse as it was.
    """

    kind: ClassVar[EngineKind]

    # -- connection -----------------------------------------------------------------------------
    @property
    @abstractmethod
    def ibis(self) -> ibis.BaseBackend:
        """The Ibis backend, for building portable expressions."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- catalogue ------------------------------------------------------------------------------
    @abstractmethod
    def list_tables(self, schema: str | None = None) -> list[str]:
        """Qualified names of the tables in one layer, or in all of them, sorted."""

    def exists(self, name: str) -> bool:
        """Whether the table exists."""
        qualified = parse_table_name(name)
        return str(qualified) in self.list_tables(schema=qualified.schema)

    @abstractmethod
    def row_count(self, name: str) -> int:
        """Number of rows in a table."""

    @abstractmethod
    def columns(self, name: str) -> dict[str, str]:
        """Column names and their SQL types, in table order."""

    # -- reading --------------------------------------------------------------------------------
    @abstractmethod
    def scan(self, name: str) -> ir.Table:
        """A lazy Ibis table for ``name``; nothing is read until it is executed."""

    def read_arrow(
        self, name: str, columns: Iterable[str] | None = None, limit: int | None = None
    ) -> pa.Table:
        """Load a table (or some columns, or the first rows) as Arrow."""
        table = self.scan(name)
        if columns is not None:
            table = table.select(*columns)
        if limit is not None:
            table = table.limit(limit)
        return table.to_pyarrow()

    def read_pandas(
        self, name: str, columns: Iterable[str] | None = None, limit: int | None = None
    ) -> pd.DataFrame:
        """Load a table as a pandas DataFrame (Arrow-backed strings)."""
        frame: pd.DataFrame = self.read_arrow(name, columns, limit).to_pandas()
        return frame

    def read_polars(
        self, name: str, columns: Iterable[str] | None = None, limit: int | None = None
    ) -> pl.DataFrame:
        """Load a table as a polars DataFrame."""
        import polars as pl

        frame = pl.from_arrow(self.read_arrow(name, columns, limit))
        assert isinstance(frame, pl.DataFrame)
        return frame

    @abstractmethod
    def sql(self, query: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run a query in the engine's own SQL dialect and return its result as Arrow."""

    @abstractmethod
    def execute(self, statement: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement that returns nothing (DDL, DML) in the engine's own dialect."""

    # -- writing --------------------------------------------------------------------------------
    def write_table(
        self,
        name: str,
        data: TableData,
        *,
        mode: WriteMode = "replace",
        validate: Validator | None = None,
        key: Sequence[str] = (),
        extra_rows: ExtraRows | None = None,
    ) -> int:
        """Write ``data`` to ``name`` atomically and return the number of rows written.

        Parameters
        ----------
        name : str
            Qualified target, e.g. ``"core.orders"``.
        data : pyarrow.Table or RecordBatchReader, Segments, pandas/polars DataFrame, or Ibis table
            What to write. An Ibis expression is computed inside the engine; a reader is streamed,
            never held in memory whole.
        mode : {"replace", "append", "merge"}, default "replace"
            Replace the table, append to it, or upsert by ``key`` (the last row of a key wins).
            Append and merge evolve the live table: new columns are added, a type is widened where
            that is safe, else the values go to a ``<column>__v_<type>`` variant column.
        validate : callable, optional
            Called with the staged data as an Ibis table; if it raises, nothing is written.
        key : sequence of str
            The primary key, for ``mode="merge"``.
        extra_rows : mapping of str to pyarrow.Table (or a callable returning one), optional
            Rows appended to other existing tables in the same transaction.

        Returns
        -------
        int
            Rows written.
        """
        return self.write(name, data, mode=mode, validate=validate, key=key, extra_rows=extra_rows).rows

    @abstractmethod
    def write(
        self,
        name: str,
        data: TableData,
        *,
        mode: WriteMode = "replace",
        validate: Validator | None = None,
        key: Sequence[str] = (),
        extra_rows: ExtraRows | None = None,
    ) -> WriteResult:
        """:meth:`write_table`, returning what the write did (new/updated rows, schema changes)."""

    @abstractmethod
    def load_files(
        self,
        name: str,
        request: FileReadRequest,
        lineage: Lineage,
        *,
        mode: WriteMode = "replace",
        validate: Validator | None = None,
        key: Sequence[str] = (),
    ) -> WriteResult:
        """Land files in ``name`` with the engine's native reader, atomically, with lineage columns."""

    @abstractmethod
    def drop_table(self, name: str, *, missing_ok: bool = False) -> None:
        """Drop a table."""

    # -- bookkeeping ----------------------------------------------------------------------------
    def _ensure_layers(self) -> None:
        """Create the layer schemas and the meta tables when they are missing."""
        for schema in SCHEMAS:
            self._create_schema(schema)
        existing = set(self.list_tables(schema="meta"))
        for table, schema in META_TABLES.items():
            if f"meta.{table}" not in existing:
                self._create_empty(TableName("meta", table), schema)

    @abstractmethod
    def _create_schema(self, schema: str) -> None: ...

    @abstractmethod
    def _create_empty(self, name: TableName, schema: pa.Schema) -> None: ...

    @abstractmethod
    def _append_rows(self, name: TableName, rows: pa.Table) -> None: ...

    def record_load(self, record: LoadRecord) -> None:
        """Append a row to ``meta.loads``."""
        self._append_rows(TableName("meta", "loads"), _rows_table([record.to_row()], "loads"))

    def record_run(self, record: RunRecord) -> None:
        """Append a row to ``meta.runs``."""
        self._append_rows(TableName("meta", "runs"), _rows_table([record.to_row()], "runs"))


def _rows_table(rows: list[dict[str, Any]], meta_table: str) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=META_TABLES[meta_table])
