"""Configuration of the files source: formats, reader options, and its ``sources.yaml`` entry."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aimass._typing import FileFormat, WriteMode
from aimass.exceptions import ConfigError, TerminalSourceError

if TYPE_CHECKING:
    from aimass.ingest._result import LoadResult
    from aimass.workspace import Workspace

__all__ = ["EXTENSIONS", "FILE_FORMATS", "FileOptions", "FileSourceConfig", "format_of"]

#: File name endings and the format each one means.
EXTENSIONS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".xlsb": "excel",
    ".ods": "excel",
}
FILE_FORMATS: tuple[FileFormat, ...] = ("csv", "tsv", "parquet", "json", "jsonl", "excel")
_TEXT_FORMATS: tuple[FileFormat, ...] = ("csv", "tsv", "json", "jsonl")
_DELIMITED: tuple[FileFormat, ...] = ("csv", "tsv")

_SIMPLE_TYPES = (
    "VARCHAR",
    "BIGINT",
    "INTEGER",
    "SMALLINT",
    "DOUBLE",
    "FLOAT",
    "BOOLEAN",
    "DATE",
    "TIME",
    "TIMESTAMP",
    "TIMESTAMPTZ",
)
_TYPE_ALIASES = {"TEXT": "VARCHAR", "STRING": "VARCHAR", "INT": "INTEGER", "INT64": "BIGINT", "REAL": "FLOAT"}
_DECIMAL = re.compile(r"^DECIMAL\(\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)$")


def format_of(path: Path | str) -> FileFormat:
    """The format a file name's ending means.

    Raises
    ------
    TerminalSourceError
        When the ending is not one of :data:`EXTENSIONS`.

    Examples
    --------
    >>> format_of("exports/events.ndjson")
    'jsonl'
    """
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        allowed = ", ".join(sorted(EXTENSIONS))
        raise TerminalSourceError(
            f"cannot tell the format of {str(path)!r} from its ending {suffix or '(none)'!r}; "
            f"the endings read are {allowed}, or pass the format (--format {'|'.join(FILE_FORMATS)})"
        )
    return EXTENSIONS[suffix]


def _column_type(text: str) -> str:
    kind = " ".join(text.strip().upper().split())
    kind = _TYPE_ALIASES.get(kind, kind)
    if kind in _SIMPLE_TYPES or _DECIMAL.match(kind):
        return kind
    allowed = ", ".join((*_SIMPLE_TYPES, "DECIMAL(p,s)", *_TYPE_ALIASES))
    raise ValueError(f"type {text!r} is not allowed; use one of {allowed}")


class FileOptions(BaseModel):
    """How to read delimited and JSON files (each option is also a flag of ``aimass ingest``).

    Parameters
    ----------
    delimiter : str, optional
        Field separator of CSV/TSV files (detected from the header when omitted). ``"tab"`` means a tab.
    encoding : str, default "utf-8"
        Text encoding, any Python codec name: ``gbk``, ``gb18030``, ``latin-1``, ``utf-16``...
    header : bool, default True
        Whether the first line of a CSV/TSV file holds the column names.
    all_varchar : bool, default False
        Read every CSV/TSV column as text.
    types : dict of str to str
        Column types that override detection, e.g. ``{"Qty": "VARCHAR"}``.
    text_columns : list of str
        Columns to keep as text, in addition to the identifier columns found automatically.
    detect_text_columns : bool, default True
        Find identifier columns (ids, codes, phone numbers, zero-padded digits) and keep them as text.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    delimiter: str | None = None
    encoding: str = "utf-8"
    header: bool = True
    all_varchar: bool = False
    types: dict[str, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)
    text_columns: list[str] = Field(default_factory=list)
    detect_text_columns: bool = True

    @field_validator("delimiter")
    @classmethod
    def _check_delimiter(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = {"tab": "\t", "\\t": "\t"}.get(value.lower(), value)
        if len(value) != 1 or value in '"\r\n':
            raise ValueError(
                f"delimiter {value!r} must be one character other than a quote or newline (or 'tab')"
            )
        return value

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"encoding {value!r} is not known; use a Python codec name such as utf-8, gbk, gb18030, "
                "big5, latin-1, cp1252 or utf-16"
            ) from None
        return value

    @field_validator("types")
    @classmethod
    def _check_types(cls, value: dict[str, str]) -> dict[str, str]:
        return {column: _column_type(kind) for column, kind in value.items()}

    def check_format(self, file_format: FileFormat) -> None:
        """Refuse options that do not apply to ``file_format``.

        Raises
        ------
        ConfigError
            Naming the option and the formats it applies to.
        """
        given = self.model_dump(exclude_defaults=True)
        only_delimited = {"delimiter", "header", "all_varchar", "types", "text_columns"}
        if file_format not in _DELIMITED and (wrong := sorted(only_delimited & set(given))):
            raise ConfigError(
                f"option {', '.join(wrong)} applies to csv and tsv files only, not {file_format}"
            )
        if file_format not in _TEXT_FORMATS and "encoding" in given:
            raise ConfigError(
                f"option encoding applies to csv, tsv, json and jsonl files only, not {file_format}"
            )


class FileSourceConfig(BaseModel):
    """A ``kind: files`` entry of ``sources.yaml``.

    Parameters
    ----------
    kind : "files"
    name : str
        The raw table, ``orders`` or ``raw.orders``.
    path : str
        File or glob, relative to the workspace; or a ``file://`` or fsspec URL (``memory://``,
        ``s3://`` when s3fs is installed...), copied to a temporary folder and read natively.
    format : str, optional
        One of :data:`FILE_FORMATS`; from the file ending when omitted.
    sheet : str, optional
        The Excel sheet (the first one when omitted).
    options : FileOptions
        Reader options.
    mode : {"replace", "append", "merge"}, default "replace"
        Replace the raw table, append to it, or merge into it by ``primary_key``.
    primary_key : tuple of str
        Key columns, required for ``mode: merge``.
    flatten : bool, default False
        For JSON and JSON Lines: nested objects become ``parent__child`` columns and lists become
        child tables ``<name>__<field>`` keyed to their parent (see :func:`aimass.ingest.flatten`);
        the parent's key is ``primary_key`` (one column) when given.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["files"]
    name: Annotated[str, Field(min_length=1)]
    path: Annotated[str, Field(min_length=1)]
    format: FileFormat | None = None
    sheet: str | None = None
    options: FileOptions = Field(default_factory=FileOptions)
    mode: WriteMode = "replace"
    primary_key: tuple[str, ...] = ()
    flatten: bool = False

    @model_validator(mode="after")
    def _merge_needs_key(self) -> FileSourceConfig:
        if self.mode == "merge" and not self.primary_key:
            raise ValueError("mode merge needs primary_key: the columns that identify a row")
        if self.flatten and len(self.primary_key) > 1:
            raise ValueError("flatten takes a one-column primary_key (the parent's key for its child tables)")
        return self

    def ingest(self, workspace: Workspace) -> LoadResult:
        """Load this source into its raw table."""
        from aimass.ingest.files.source import ingest_files

        if self.flatten:
            from aimass.ingest._flatten import load_flattened_file

            key = self.primary_key[0] if self.primary_key else None
            results = load_flattened_file(workspace, self.path, self.name, key=key, mode=self.mode)
            return next(iter(results.values()))  # the parent table's load; children follow it
        return ingest_files(
            workspace,
            self.path,
            self.name,
            format=self.format,
            mode=self.mode,
            sheet=self.sheet,
            options=self.options,
            primary_key=self.primary_key,
        )
