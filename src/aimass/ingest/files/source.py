"""The files source: local CSV, TSV, Parquet, JSON, JSON Lines and Excel files into one raw table.

Delimited, JSON and Parquet files go through the engine's native reader in one statement (the
speed of a bare ``CREATE TABLE AS SELECT * FROM read_csv(...)``); only a sample of each file is
looked at in Python first. Excel workbooks are read with python-calamine into Arrow.
"""

from __future__ import annotations

import dataclasses
import glob
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pydantic import ValidationError

from aimass._typing import FileFormat, WriteMode
from aimass.engine import FileReadRequest, TableName, WriteResult, to_identifier
from aimass.exceptions import ConfigError, EngineError, TerminalSourceError
from aimass.ingest._load import LoadContext, check_mode, engine_and_root, raw_target, run_load, with_lineage
from aimass.ingest._result import LoadResult
from aimass.ingest.files.config import EXTENSIONS, FILE_FORMATS, FileOptions, format_of
from aimass.ingest.files.errors import explain_load_failure
from aimass.ingest.files.excel import read_excel
from aimass.ingest.files.sniff import CsvProfile, check_csv_tail, check_text_sample, profile_csv

if TYPE_CHECKING:
    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = ["expand_files", "fetch_url_files", "ingest_files", "land_files"]

#: Delimited files whose head and tail are checked in Python (the rest only for being empty).
_PROFILED_FILES = 16
_GLOB_CHARS = re.compile(r"[*?\[\]]")
_PARQUET_MAGIC = b"PAR1"
#: ``scheme://`` at the start of a pattern: a ``file://`` or fsspec URL rather than a local path.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def expand_files(pattern: str | Path, root: Path | None = None) -> list[Path]:
    """The files a path or glob names, sorted; relative patterns start at ``root`` (default: here).

    Raises
    ------
    TerminalSourceError
        When nothing matches, or the path is a folder.

    Examples
    --------
    >>> expand_files("/nowhere/orders_*.csv")
    Traceback (most recent call last):
    ...
    aimass.exceptions.TerminalSourceError: no file matches '/nowhere/orders_*.csv' (looked in /nowhere)
    """
    path = Path(pattern).expanduser()
    if not path.is_absolute():
        path = (root or Path.cwd()) / path
    text = str(path)
    if not _GLOB_CHARS.search(text):
        if path.is_dir():
            raise TerminalSourceError(f"{path} is a folder; name the files, e.g. {path / '*.csv'}")
        if not path.is_file():
            raise TerminalSourceError(f"file not found: {path}")
        return [path]
    matches = sorted(Path(found) for found in glob.glob(text, recursive=True) if Path(found).is_file())
    if not matches:
        folder = next((parent for parent in path.parents if not _GLOB_CHARS.search(str(parent))), path.parent)
        raise TerminalSourceError(f"no file matches {str(pattern)!r} (looked in {folder})")
    return matches


def _file_url_path(url: str) -> str:
    """``file:///data/orders.csv`` -> ``/data/orders.csv`` (``file://localhost/...`` too)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ConfigError(f"{url!r} names another host ({parts.netloc}); file:// URLs read this machine only")
    return unquote(parts.path)


def fetch_url_files(pattern: str, folder: Path) -> list[tuple[Path, str]]:
    """Copy the files an fsspec URL (or glob) names into ``folder``: ``(local copy, URL)`` pairs, sorted.

    Any filesystem fsspec has installed works (``memory://``, ``s3://`` with s3fs, ...).

    Raises
    ------
    ConfigError
        When fsspec does not know the URL's scheme (the message names the package to install).
    TerminalSourceError
        When nothing matches, or a file cannot be read.
    """
    import fsspec

    scheme = pattern.split("://", 1)[0]
    try:
        filesystem, path = fsspec.core.url_to_fs(pattern)
    except (ImportError, ValueError) as error:
        raise ConfigError(
            f"cannot read {pattern!r}: no installed fsspec filesystem handles {scheme}:// ({error}); "
            "install the package that provides it (e.g. s3fs, gcsfs, adlfs)"
        ) from None
    try:
        if _GLOB_CHARS.search(path):
            found = sorted(item for item in filesystem.glob(path) if filesystem.isfile(item))
        else:
            found = [path] if filesystem.isfile(path) else []
        if not found:
            raise TerminalSourceError(f"no file matches {pattern!r}")
        copies: list[tuple[Path, str]] = []
        for index, item in enumerate(found):
            local = folder / str(index) / Path(str(item)).name
            local.parent.mkdir(parents=True)
            filesystem.get_file(item, str(local))
            copies.append((local, filesystem.unstrip_protocol(item)))
        return copies
    except OSError as error:
        raise TerminalSourceError(f"cannot read {pattern!r}: {error}") from None


def _table_name(patterns: Sequence[str], root: Path) -> str:
    """``orders_*.csv`` -> ``orders``; several paths -> their common stem; else the first file's stem."""
    stems = [_GLOB_CHARS.sub("", Path(_URL.sub("", pattern)).stem) for pattern in patterns]
    try:
        return to_identifier(_common_start(stems) or stems[0])
    except ConfigError:
        return to_identifier(_expand_all(patterns, root)[0].stem)


def _common_start(stems: Sequence[str]) -> str:
    """The start stems share, less trailing digits and separators (``orders_2024_0`` -> ``orders``)."""
    if len(stems) < 2:
        return ""
    common = stems[0]
    for stem in stems[1:]:
        while not stem.startswith(common):
            common = common[:-1]
    return common.rstrip("_- .0123456789")


def _expand_all(patterns: Sequence[str], root: Path) -> list[Path]:
    found = {path: None for pattern in patterns for path in expand_files(pattern, root)}
    return sorted(found)


def _options(options: Mapping[str, Any] | FileOptions | None) -> FileOptions:
    if isinstance(options, FileOptions):
        return options
    try:
        return FileOptions.model_validate(dict(options or {}))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigError(
            f"file options are not valid: {problems}. Allowed: {', '.join(FileOptions.model_fields)}"
        ) from None


def _format(given: str | None) -> FileFormat | None:
    if given is None:
        return None
    text = given.lower().lstrip(".")
    for allowed in FILE_FORMATS:
        if text == allowed:
            return allowed
    if f".{text}" in EXTENSIONS:
        return EXTENSIONS[f".{text}"]
    raise ConfigError(f"format={given!r} is not allowed; use one of {', '.join(FILE_FORMATS)}")


def _files_format(paths: list[Path], given: FileFormat | None) -> FileFormat:
    if given is not None:
        return given
    formats = {path: format_of(path) for path in paths}
    kinds = sorted(set(formats.values()))
    if len(kinds) > 1:
        examples = ", ".join(
            f"{next(p.name for p, f in formats.items() if f == kind)} ({kind})" for kind in kinds
        )
        raise ConfigError(f"the files are not all of one format: {examples}; load each format separately")
    return kinds[0]


def _check_columns(option: str, names: list[str], profile: CsvProfile, path: Path) -> None:
    unknown = [name for name in names if name not in profile.columns]
    if unknown:
        raise ConfigError(
            f"{option} names {', '.join(map(repr, unknown))}, not columns of {path}; its columns are "
            f"{', '.join(map(repr, profile.columns))}"
        )


def _delimited_request(paths: list[Path], file_format: FileFormat, options: FileOptions) -> FileReadRequest:
    delimiter = options.delimiter or ("\t" if file_format == "tsv" else None)
    profile: CsvProfile | None = None
    text_columns: dict[str, None] = {}
    for index, path in enumerate(paths):
        if index >= _PROFILED_FILES:
            if path.stat().st_size == 0:
                raise TerminalSourceError(f"{path} is empty (0 bytes); nothing to load")
            continue
        known = delimiter or (profile.delimiter if profile else None)
        current = profile_csv(path, delimiter=known, encoding=options.encoding, header=options.header)
        check_csv_tail(path, current, options.encoding)
        profile = profile or current
        if options.detect_text_columns:
            text_columns.update(dict.fromkeys(c for c in current.text_columns if c in profile.columns))
    assert profile is not None
    _check_columns("--types", list(options.types), profile, paths[0])
    _check_columns("--text-column", options.text_columns, profile, paths[0])
    text_columns.update(dict.fromkeys(options.text_columns))
    return FileReadRequest(
        paths=tuple(paths),
        format=file_format,
        delimiter=profile.delimiter,
        header=options.header,
        encoding=options.encoding,
        all_varchar=options.all_varchar,
        types=dict(options.types),
        text_columns=tuple(name for name in text_columns if name not in options.types),
    )


def _check_parquet(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise TerminalSourceError(f"{path} is empty (0 bytes); nothing to load")
    with path.open("rb") as handle:
        head = handle.read(4)
        handle.seek(max(0, size - 4))
        tail = handle.read(4)
    if head != _PARQUET_MAGIC or tail != _PARQUET_MAGIC:
        raise TerminalSourceError(
            f"{path} is not a readable Parquet file: it does not start and end with the Parquet marker "
            "(corrupt, truncated, or another format)"
        )


def _native_request(paths: list[Path], file_format: FileFormat, options: FileOptions) -> FileReadRequest:
    if file_format in ("csv", "tsv"):
        return _delimited_request(paths, file_format, options)
    for path in paths:
        if file_format == "parquet":
            _check_parquet(path)
        elif path.stat().st_size == 0:
            raise TerminalSourceError(f"{path} is empty (0 bytes); nothing to load")
        else:
            check_text_sample(path, options.encoding)
    return FileReadRequest(paths=tuple(paths), format=file_format, encoding=options.encoding)


def _excel_table(
    paths: list[Path], sheet: str | None, options: FileOptions, context: LoadContext, shown: list[str]
) -> pa.Table:
    parts = [
        with_lineage(
            read_excel(path, sheet, detect_text_columns=options.detect_text_columns), context.lineage, name
        )
        for path, name in zip(paths, shown, strict=True)
    ]
    return pa.concat_tables(parts, promote_options="permissive") if len(parts) > 1 else parts[0]


def _land(
    engine: Engine,
    context: LoadContext,
    *,
    patterns: list[str],
    root: Path,
    target: TableName,
    file_format: FileFormat | None,
    mode: WriteMode,
    sheet: str | None,
    options: FileOptions,
    key: Sequence[str] = (),
    names: Mapping[str, str] | None = None,
) -> WriteResult:
    paths = _expand_all(patterns, root)
    shown = [(names or {}).get(str(path), str(path)) for path in paths]
    context.files.extend(str(path) for path in paths)
    chosen = _files_format(paths, file_format)
    context.details["format"] = chosen
    options.check_format(chosen)
    if sheet is not None and chosen != "excel":
        raise ConfigError(f"--sheet applies to Excel workbooks only, not {chosen} files")
    if chosen == "excel":
        table = _excel_table(paths, sheet, options, context, shown)
        return engine.write(str(target), table, mode=mode, validate=context.validate, key=key)
    request = _native_request(paths, chosen, options)
    if names:
        request = dataclasses.replace(request, source_names=tuple(shown))
    context.details["text_columns"] = list(request.text_columns)
    context.details["delimiter"] = request.delimiter
    try:
        return engine.load_files(
            str(target), request, context.lineage, mode=mode, validate=context.validate, key=key
        )
    except EngineError as error:
        raise explain_load_failure(engine, error, request) from None


def land_files(
    engine: Engine,
    context: LoadContext,
    paths: Sequence[Path],
    *,
    target: TableName,
    file_format: str | None = None,
    mode: WriteMode = "append",
    options: Mapping[str, Any] | FileOptions | None = None,
    sheet: str | None = None,
    names: Mapping[str, str] | None = None,
) -> WriteResult:
    """Land local ``paths`` inside a load another source runs (:func:`~aimass.ingest._load.run_load`).

    For sources that fetch files first (SFTP, fsspec URLs): the same checks and native reader as
    :func:`ingest_files`, in the caller's load. ``names`` maps a local path to what its rows'
    ``_source_file`` should say (the URL it was fetched from). Returns what was written.
    """
    return _land(
        engine,
        context,
        patterns=[glob.escape(str(path)) for path in paths],
        root=Path.cwd(),
        target=target,
        file_format=_format(file_format),
        mode=mode,
        sheet=sheet,
        options=_options(options),
        names=names,
    )


def _land_urls(engine: Engine, context: LoadContext, patterns: list[str], **land: Any) -> WriteResult:
    """``_land`` for patterns that may be URLs: ``file://`` read in place, fsspec URLs copied first."""
    if not any(_URL.match(pattern) for pattern in patterns):
        return _land(engine, context, patterns=patterns, **land)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="aimass-files-") as folder:
        local: list[str] = []
        names: dict[str, str] = {}
        for index, pattern in enumerate(patterns):
            if pattern.startswith("file://"):
                local.append(_file_url_path(pattern))
            elif _URL.match(pattern):
                for path, url in fetch_url_files(pattern, Path(folder) / str(index)):
                    local.append(glob.escape(str(path)))
                    names[str(path)] = url
            else:
                local.append(pattern)
        written = _land(engine, context, patterns=local, names=names, **land)
        context.files[:] = [names.get(name, name) for name in context.files]
        return written


def ingest_files(
    workspace_or_engine: Workspace | Engine,
    path_or_glob: str | Path | Sequence[str | Path],
    table: str | None = None,
    *,
    format: str | None = None,
    mode: WriteMode | str = "replace",
    sheet: str | None = None,
    options: Mapping[str, Any] | FileOptions | None = None,
    primary_key: Sequence[str] = (),
) -> LoadResult:
    """Load local files into a raw table, atomically, with lineage columns and a ``meta.loads`` row.

    Parameters
    ----------
    workspace_or_engine : Workspace or Engine
        Where to load; relative paths start at the workspace root (or the current folder for an Engine).
    path_or_glob : str, Path, or a sequence of them
        A file or a glob (``exports/orders_*.csv``, ``**`` allowed), or several; the files must
        share one format and are read in sorted order. ``file://`` URLs are read in place; any
        other fsspec URL (``memory://``, ``s3://`` when s3fs is installed...) is copied to a
        temporary folder first and read natively (``_source_file`` and ``meta.loads`` name the
        URLs).
    table : str, optional
        The raw table, ``orders`` or ``raw.orders``; from the file name when omitted.
    format : {"csv", "tsv", "parquet", "json", "jsonl", "excel"}, optional
        From the file ending when omitted (``.csv``, ``.tsv``, ``.parquet``, ``.json``,
        ``.jsonl``/``.ndjson``, ``.xlsx``...).
    mode : {"replace", "append", "merge"}, default "replace"
        Replace the table, append to it (new columns are added), or merge into it by
        ``primary_key`` (the last version of a row wins).
    sheet : str, optional
        The Excel sheet; the first one when omitted.
    options : mapping or FileOptions, optional
        Reader options: ``delimiter``, ``encoding``, ``header``, ``all_varchar``, ``types``,
        ``text_columns``, ``detect_text_columns`` (see :class:`FileOptions`).
    primary_key : sequence of str, optional
        The key columns; required for ``mode="merge"``.

    Returns
    -------
    LoadResult
        The table, rows, files, load id, schema hash and seconds.

    Raises
    ------
    ConfigError
        When an argument or option is not allowed (the message lists what is).
    TerminalSourceError
        When a file is missing, empty, cut off, in another encoding, mixes types in a column, or is
        corrupt; the warehouse is left as it was and the failure is recorded in ``meta.loads``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from aimass import Workspace
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "orders.csv").write_text("Customer ID,Qty\\n0012345,2\\n0012346,1\\n")
    >>> with Workspace.init(root) as ws:
    ...     result = ingest_files(ws, "orders.csv")
    ...     print(result.target, result.rows, ws.engine.read_arrow("raw.orders")["Customer ID"].to_pylist())
    raw.orders 2 ['0012345', '0012346']
    """
    engine, root = engine_and_root(workspace_or_engine)
    checked_mode = check_mode(str(mode))
    checked_options = _options(options)
    file_format = _format(format)
    if isinstance(path_or_glob, str | Path):
        patterns = [str(path_or_glob)]
    else:
        patterns = [str(item) for item in path_or_glob]
    if not patterns:
        raise ConfigError("name at least one file or glob to load")
    target = raw_target(table or _table_name(patterns, root))
    key = tuple(primary_key)
    if checked_mode == "merge" and not key:
        raise ConfigError(
            f"mode merge needs a primary key for {target}: give primary_key (--primary-key COL)"
        )
    details: dict[str, Any] = {
        "format": file_format,
        "options": checked_options.model_dump(exclude_defaults=True),
    }
    if key:
        details["primary_key"] = list(key)
    if sheet is not None:
        details["sheet"] = sheet
    return run_load(
        engine,
        source=" ".join(patterns),
        target=target,
        mode=checked_mode,
        details=details,
        load=lambda context: _land_urls(
            engine,
            context,
            patterns,
            root=root,
            target=target,
            file_format=file_format,
            mode=checked_mode,
            sheet=sheet,
            options=checked_options,
            key=key,
        ),
    )
