"""Configuration of the SQL source: its ``sources.yaml`` entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aimass._typing import LoadMode

if TYPE_CHECKING:
    from aimass.ingest._result import LoadResult
    from aimass.workspace import Workspace

__all__ = ["SqlSourceConfig"]


class SqlSourceConfig(BaseModel):
    """A ``kind: sql`` entry of ``sources.yaml``: tables, a schema or a query from a database.

    .. code-block:: yaml

        - kind: sql
          name: orders
          url: postgresql://shop@db.internal:5432/shop
          password: ${SHOP_DB_PASSWORD}
          table: orders
          mode: merge
          primary_key: [order_id]
          cursor: updated_at

    Parameters
    ----------
    kind : "sql"
    name : str
        The raw table for a single table or a query (default: the table's name); with several
        tables or a schema, only the source's name (each table goes to ``raw.<prefix><table>``).
    url : str
        Any SQLAlchemy URL, or ``postgresql://``, ``postgres://``, ``mysql://``, ``mariadb://``,
        ``sqlite:///path`` (relative to the workspace).
    password : str, optional
        ``${ENV_VAR}``, ``secret: NAME`` (from ``.aimass/secrets.toml``) or the password itself;
        overrides one in the URL. Never printed, logged or recorded.
    table : str, optional
        One table.
    tables : list of str
        Several tables.
    schema : str, optional
        The database schema of the tables; alone, every table in it.
    query : str, optional
        A ``SELECT`` to load (needs ``name``).
    prefix : str, default ""
        Put before each table's raw name when there are several.
    mode : {"replace", "append", "merge"}, default "replace"
    primary_key : list of str
        The key ``merge`` upserts by.
    cursor : str, optional
        A column that grows with every new or changed row; re-runs read only rows past it.
    chunk_size : int, default 50,000
        Rows per batch read.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: Literal["sql"]
    name: Annotated[str, Field(min_length=1)]
    url: Annotated[str, Field(min_length=1)]
    password: str | None = Field(default=None, repr=False)
    table: str | None = None
    tables: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    db_schema: str | None = Field(default=None, alias="schema")
    query: str | None = None
    prefix: str = ""
    mode: LoadMode = "replace"
    primary_key: list[str] = Field(default_factory=list)
    cursor: str | None = None
    chunk_size: Annotated[int, Field(ge=1, le=10_000_000)] = 50_000

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        """Without a name: the table's (one table), else the schema's, else the first table's."""
        if isinstance(data, dict) and not data.get("name"):
            tables = data.get("tables") or ([data["table"]] if data.get("table") else [])
            fallback = tables[0] if len(tables) == 1 else data.get("schema") or (tables or [None])[0]
            if fallback:
                data = {**data, "name": str(fallback).split(".")[-1]}
        return data

    @model_validator(mode="after")
    def _check(self) -> SqlSourceConfig:
        if self.table and self.tables:
            raise ValueError("give table or tables, not both")
        if self.query and (self.table or self.tables):
            raise ValueError("give a query or tables, not both")
        if not (self.query or self.table or self.tables or self.db_schema):
            raise ValueError("give a table, tables, a schema or a query")
        if self.mode == "merge" and not self.primary_key:
            raise ValueError("mode: merge needs primary_key (the columns to upsert by)")
        return self

    @property
    def table_list(self) -> list[str]:
        """The tables to load (empty for a query or a whole schema)."""
        return [self.table] if self.table else list(self.tables)

    def ingest_each(self, workspace: Workspace) -> list[LoadResult]:
        """Load this source: one result per raw table written.

        Parameters
        ----------
        workspace : Workspace

        Returns
        -------
        list of LoadResult
        """
        from aimass.ingest.sql.source import ingest_sql

        password = self.password
        if password is not None:
            from aimass.ingest._secrets import resolve_secret

            password = resolve_secret(workspace, password, where=f"sql source {self.name!r}: password")
        tables = self.table_list
        several = not self.query and len(tables) != 1
        return ingest_sql(
            workspace,
            self.url,
            tables=tables,
            schema=self.db_schema,
            query=self.query,
            name=None if several else self.name,
            prefix=self.prefix,
            mode=self.mode,
            primary_key=self.primary_key,
            cursor=self.cursor,
            chunk_size=self.chunk_size,
            password=password,
        )

    def ingest(self, workspace: Workspace, *, progress: Any = None) -> LoadResult:
        """Load this source; with several tables, one result adding them up.

        Parameters
        ----------
        workspace : Workspace
        progress : optional
            Accepted for the common source interface; the SQL source reports per table
            (see :meth:`ingest_each`).

        Returns
        -------
        LoadResult
        """
        from aimass.ingest.sql.source import combine_results

        return combine_results(self.ingest_each(workspace))
