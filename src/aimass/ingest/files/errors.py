"""Reader errors worded for the user: what is wrong, where (file, line, column, value), and what to pass.

The engine's reader says what failed in its own words; its backend module turns them into a
:class:`~aimass.engine._duckdb_files.ReadProblem` (the engine kind picks the module, so this
file assumes no backend), and :func:`explain_load_failure` words that as an ingest error.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from aimass.engine import FileReadRequest
from aimass.exceptions import EngineError, IngestError, TerminalSourceError
from aimass.ingest.files.sniff import find_undecodable, undecodable_error

if TYPE_CHECKING:
    from aimass.engine import Engine

__all__ = ["explain_load_failure"]

#: Engine kind -> module with ``explain_read_error(message) -> ReadProblem``.
_EXPLAINERS: dict[str, str] = {"duckdb": "aimass.engine._duckdb_files"}


class _Problem(Protocol):
    """What a backend's ``explain_read_error`` returns (see ``ReadProblem``)."""

    kind: str
    detail: str
    line: int | None
    column: str | None
    value: str | None
    type: str | None
    file: str | None
    expected: int | None
    found: int | None


def _explainer(engine: Engine) -> Callable[[str], _Problem] | None:
    module = _EXPLAINERS.get(engine.kind)
    if module is None:
        return None
    explain: Callable[[str], _Problem] = importlib.import_module(module).explain_read_error
    return explain


def _file_named(request: FileReadRequest, name: str | None) -> Path:
    if name:
        for path in request.paths:
            if str(path) == name or path.name == Path(name).name:
                return path
    return request.paths[0]


def _option_hint(flag: str, option: str) -> str:
    return f"{flag} (in sources.yaml: options: {{{option}}})"


def _types_flag(column: str) -> str:
    pair = f"{column}=VARCHAR"
    return f"--types {pair!r}" if any(char in column for char in " '\"$") else f"--types {pair}"


def _conversion(problem: _Problem, path: Path) -> TerminalSourceError:
    column, value, kind = problem.column or "(unknown)", problem.value, problem.type
    where = f"line {problem.line:,}" if problem.line else "a row after the sampled ones"
    as_text = _option_hint(_types_flag(column), f"types: {{{column}: VARCHAR}}")
    every = _option_hint("--all-varchar", "all_varchar: true")
    return TerminalSourceError(
        f'{path} {where}, column "{column}": the value {value!r} is not {kind}, the type the first rows of '
        f"that column suggested (the column mixes numbers and text). Read the column as text: {as_text}, "
        f"or read every column as text: {every}"
    )


def _columns(problem: _Problem, path: Path) -> TerminalSourceError:
    where = f"line {problem.line:,}" if problem.line else "a row"
    return TerminalSourceError(
        f"{path} {where} has {problem.found} field(s) but the header has {problem.expected}: the row is cut "
        "short or holds an unquoted delimiter (the file may have been cut off while it was written). "
        "Export the file again, or fix that line."
    )


def explain_load_failure(engine: Engine, error: EngineError, request: FileReadRequest) -> IngestError:
    """Turn the engine's failure to read ``request`` into an :class:`IngestError` for the user.

    Parameters
    ----------
    engine : Engine
        The engine that failed (its kind says how to read its message).
    error : EngineError
        What it raised.
    request : FileReadRequest
        What it was asked to read.

    Returns
    -------
    IngestError
        A :class:`TerminalSourceError` when the input is malformed (a retry cannot help), else an
        :class:`IngestError` carrying the engine's message.
    """
    explain = _explainer(engine)
    message = str(error)
    if explain is None:
        return IngestError(
            f"reading {', '.join(map(str, request.paths))} failed, nothing was changed: {message}"
        )
    problem = explain(message)
    path = _file_named(request, problem.file)
    if problem.kind == "encoding" or (problem.kind == "conversion" and "?" in (problem.value or "")):
        # bytes that are not valid text show as "?" in a value the reader could not convert
        for candidate in (path, *(other for other in request.paths if other != path)):
            found = find_undecodable(candidate, request.encoding)
            if found is not None:
                return undecodable_error(candidate, request.encoding, found)
    if problem.kind == "conversion":
        return _conversion(problem, path)
    if problem.kind == "encoding":
        return TerminalSourceError(
            f"{path} is not valid {request.encoding} text: {problem.detail}. "
            "Pass its encoding, e.g. --encoding gbk"
        )
    if problem.kind == "columns":
        return _columns(problem, path)
    if problem.kind == "quote":
        where = f"line {problem.line:,}" if problem.line else "a row"
        return TerminalSourceError(
            f'{path} {where} opens a quoted value (") that never closes: {problem.detail}'
        )
    if problem.kind == "dialect":
        return TerminalSourceError(
            f"{path}: the CSV layout could not be detected ({problem.detail}). Give the delimiter "
            f"({_option_hint('--delimiter ;', 'delimiter: ;')}) or check that the file is CSV"
        )
    if problem.kind == "json":
        return TerminalSourceError(
            f"{path} is not valid JSON, at {problem.detail}. Fix the file or export it again"
        )
    if problem.kind == "parquet":
        return TerminalSourceError(
            f"{path} is not a readable Parquet file (corrupt or truncated): {problem.detail}"
        )
    if problem.kind == "missing":
        return TerminalSourceError(
            f"{problem.file or path} is missing (was it moved while loading?): {problem.detail}"
        )
    if problem.kind == "types":
        return TerminalSourceError(f"the --types option does not fit {path}: {problem.detail}")
    return IngestError(f"reading {path} failed, nothing was changed: {problem.detail or message}")
