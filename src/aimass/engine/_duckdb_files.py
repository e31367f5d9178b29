"""DuckDB's native file readers, turned into one ``SELECT`` that adds the lineage columns.

This is the only place that knows DuckDB's reader options and the wording of its reader errors:
:func:`select_files_sql` builds the statement :meth:`DuckDBEngine.load_files` runs, and
:func:`explain_read_error` turns DuckDB's message into a :class:`ReadProblem` the ingest layer
words for the user.

DuckDB reads CSV in UTF-8, UTF-16 and Latin-1 only (other encodings need an extension that cannot
be installed offline), and JSON in UTF-8 only; files in any other encoding are transcoded to UTF-8
in a temporary folder first, and ``_source_file`` still names the original file.
"""

from __future__ import annotations

import codecs
import re
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from aimass.engine._files import FileReadRequest, Lineage

if TYPE_CHECKING:
    from aimass.engine._duckdb import DuckDBEngine

__all__ = ["ReadProblem", "ReadProblemKind", "explain_read_error", "select_files_sql", "sql_string"]

#: The column the reader adds with each row's file (renamed to ``_source_file``).
_FILE_COLUMN = "_aimass_file"
#: Python codec name -> DuckDB CSV ``encoding`` value, for the encodings DuckDB reads itself.
_NATIVE_CSV_ENCODINGS: dict[str, str | None] = {"utf-8": None, "utf-16": "utf-16", "iso8859-1": "latin-1"}
_TRANSCODE_CHUNK = 1 << 22

ReadProblemKind = Literal[
    "conversion", "encoding", "columns", "quote", "dialect", "json", "parquet", "missing", "types", "other"
]


def sql_string(text: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# -- transcoding ------------------------------------------------------------------------------------
_transcoded: weakref.WeakKeyDictionary[DuckDBEngine, Path] = weakref.WeakKeyDictionary()


def _scratch_folder(engine: DuckDBEngine) -> Path:
    """A temporary folder for this engine's transcoded files, emptied on each load, removed at close."""
    folder = _transcoded.get(engine)
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="aimass-transcode-"))
        _transcoded[engine] = folder
        weakref.finalize(engine, shutil.rmtree, folder, True)
    else:
        for old in folder.iterdir():  # the previous load has finished reading them
            old.unlink(missing_ok=True)
    return folder


def _transcode(source: Path, encoding: str, folder: Path, index: int) -> Path:
    """Copy ``source`` into ``folder`` as UTF-8, decoding it as ``encoding`` (streamed)."""
    target = folder / f"{index:05d}_{source.name}"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with source.open("rb") as reader, target.open("w", encoding="utf-8", newline="") as writer:
        while chunk := reader.read(_TRANSCODE_CHUNK):
            writer.write(decoder.decode(chunk))
        writer.write(decoder.decode(b"", final=True))
    return target


def _codec_name(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "utf-8" if name == "utf-8-sig" else name


def _readable_paths(engine: DuckDBEngine, request: FileReadRequest) -> tuple[list[Path], str | None]:
    """The paths DuckDB should read and the ``encoding`` option to pass, transcoding when needed."""
    codec = _codec_name(request.encoding)
    native = _NATIVE_CSV_ENCODINGS if request.format in ("csv", "tsv") else {"utf-8": None}
    if request.format == "parquet" or codec in native:
        return list(request.paths), native.get(codec)
    folder = _scratch_folder(engine)
    return [_transcode(path, codec, folder, index) for index, path in enumerate(request.paths)], None


# -- the statement ----------------------------------------------------------------------------------
def _reader_call(request: FileReadRequest, paths: list[Path], encoding: str | None) -> str:
    files = "[" + ", ".join(sql_string(str(path)) for path in paths) + "]"
    options = [f"filename = {sql_string(_FILE_COLUMN)}"]
    if len(paths) > 1:
        options.append("union_by_name = true")
    if request.format in ("csv", "tsv"):
        options.append(f"header = {'true' if request.header else 'false'}")
        delimiter = request.delimiter or ("\t" if request.format == "tsv" else None)
        if delimiter is not None:
            options.append(f"delim = {sql_string(delimiter)}")
        options.append("quote = '\"'")
        if encoding is not None:
            options.append(f"encoding = {sql_string(encoding)}")
        if request.all_varchar:
            options.append("all_varchar = true")
        types = {**dict.fromkeys(request.text_columns, "VARCHAR"), **request.types}
        if types and not request.all_varchar:
            pairs = ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in types.items())
            options.append(f"types = {{{pairs}}}")
        return f"read_csv({files}, {', '.join(options)})"
    if request.format == "parquet":
        return f"read_parquet({files}, {', '.join(options)})"
    style = "newline_delimited" if request.format == "jsonl" else "auto"
    return f"read_json({files}, format = {sql_string(style)}, {', '.join(options)})"


def _source_file_expression(originals: tuple[Path | str, ...], read: list[Path]) -> str:
    column = f'"{_FILE_COLUMN}"'
    if [str(o) for o in originals] == [str(r) for r in read]:
        return column
    cases = " ".join(
        f"WHEN {sql_string(str(r))} THEN {sql_string(str(o))}" for r, o in zip(read, originals, strict=True)
    )
    return f"CASE {column} {cases} END"


def select_files_sql(engine: DuckDBEngine, request: FileReadRequest, lineage: Lineage) -> str:
    """The ``SELECT`` that reads ``request`` and adds ``_load_id``, ``_source_file``, ``_loaded_at``.

    Parameters
    ----------
    engine : DuckDBEngine
        The engine that will run the statement (owns the scratch folder for transcoded files).
    request : FileReadRequest
        The files and reader options.
    lineage : Lineage
        The values of the lineage columns.

    Returns
    -------
    str
        One ``SELECT`` statement, for ``CREATE TABLE ... AS``.
    """
    paths, encoding = _readable_paths(engine, request)
    return (
        f'SELECT * EXCLUDE ("{_FILE_COLUMN}"), {sql_string(lineage.load_id)} AS _load_id, '
        f"{_source_file_expression(request.source_names or request.paths, paths)} AS _source_file, "
        f"TIMESTAMP {sql_string(lineage.loaded_at)} AS _loaded_at "
        f"FROM {_reader_call(request, paths, encoding)}"
    )


# -- errors -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReadProblem:
    """What went wrong reading files, pulled out of DuckDB's message.

    Parameters
    ----------
    kind : str
        ``conversion`` (a value does not fit the detected type), ``encoding`` (bytes not valid in
        the encoding), ``columns`` (a row has the wrong number of fields), ``quote`` (unterminated
        quote), ``dialect`` (the layout could not be detected), ``json`` (malformed JSON),
        ``parquet`` (not a readable Parquet file), ``missing`` (file not found), ``types`` (a type
        override names an unknown column or type), ``other``.
    detail : str
        The reader's own first sentence, for the user.
    line, column, value, type, file : optional
        Where and what, when the reader said so (``line`` counts from 1, the header included).
    expected, found : int, optional
        Field counts, for ``columns``.
    """

    kind: ReadProblemKind
    detail: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    type: str | None = None
    file: str | None = None
    expected: int | None = None
    found: int | None = None


_PREFIX = re.compile(r"^(?:statement failed: )?(?:[A-Za-z ]+ Error: )?")
_LINE = re.compile(r"CSV Error on Line: (\d+)")
_FILE = re.compile(r"^\s*file = (.+?)\s*$", re.MULTILINE)
_CONVERSION = re.compile(
    r'Error when converting column "(.+?)"\. Could not convert string "(.*?)" to \'(.+?)\''
)
_COLUMNS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_JSON = re.compile(
    r'Malformed JSON in file "(.+?)", at byte \d+ in (line|record/value) (\d+): (.*?)\.?\s*$', re.M
)
_PARQUET_FILE = re.compile(r"file '(.+?)'|'(.+?)' too small|File '(.+?)'")
_MISSING = re.compile(r'No files found that match the pattern "(.+?)"|Cannot open file "(.+?)"')
_TYPES_COLUMN = re.compile(r"COLUMN_TYPES error: Columns with names: (.+?) do not exist")
_TYPES_NAME = re.compile(r"Type with name (\S+) does not exist")


def _first_sentence(message: str) -> str:
    return _PREFIX.sub("", message.strip().splitlines()[0] if message.strip() else "").strip()


def explain_read_error(message: str) -> ReadProblem:
    """Classify a DuckDB reader error message.

    Parameters
    ----------
    message : str
        The text of the error DuckDB raised (possibly wrapped by the engine).

    Returns
    -------
    ReadProblem
        Its kind and the details DuckDB gave.

    Examples
    --------
    >>> text = 'CSV Error on Line: 7 Error when converting column "qty". Could not convert string "x" to '
    >>> problem = explain_read_error(text + "'BIGINT'")
    >>> problem.kind, problem.line, problem.column, problem.value, problem.type
    ('conversion', 7, 'qty', 'x', 'BIGINT')
    """
    detail = _first_sentence(message)
    line_match = _LINE.search(message)
    line = int(line_match.group(1)) if line_match else None
    file_match = _FILE.search(message)
    file = file_match.group(1) if file_match else None
    if match := _CONVERSION.search(message):
        column, value, kind = match.groups()
        return ReadProblem("conversion", detail, line=line, column=column, value=value, type=kind, file=file)
    if "Invalid unicode" in message:
        return ReadProblem("encoding", detail, line=line, file=file)
    if match := _COLUMNS.search(message):
        expected, found = int(match.group(1)), int(match.group(2))
        return ReadProblem("columns", detail, line=line, file=file, expected=expected, found=found)
    if "unterminated quote" in message.lower():
        return ReadProblem("quote", detail, line=line, file=file)
    if match := re.search(r'Error when sniffing file "(.+?)"', message):
        return ReadProblem("dialect", detail, file=match.group(1))
    if match := _JSON.search(message):
        file, unit, number, what = match.groups()
        return ReadProblem("json", f"{unit} {number}: {what}", line=int(number), file=file)
    if "parquet" in message.lower() and (
        "magic" in message.lower() or "footer" in message.lower() or "too small" in message
    ):
        found_file = _PARQUET_FILE.search(message)
        name = next((group for group in found_file.groups() if group), None) if found_file else None
        return ReadProblem("parquet", detail, file=name)
    if match := _MISSING.search(message):
        return ReadProblem("missing", detail, file=match.group(1) or match.group(2))
    if match := _TYPES_COLUMN.search(message):
        return ReadProblem("types", detail, column=match.group(1).strip('"'))
    if match := _TYPES_NAME.search(message):
        return ReadProblem("types", detail, type=match.group(1))
    return ReadProblem("other", detail, line=line, file=file)
