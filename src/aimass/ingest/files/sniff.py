"""Looking at a sample of a text file before the engine reads it: cheap checks with clear messages.

Only the head (``SAMPLE_BYTES``) and the tail (``TAIL_BYTES``) of a file are read here, so the
cost does not grow with the file: the engine's native reader does the real work in one pass.
The head gives the delimiter, the header, the identifier columns to keep as text and the first
encoding check; the tail shows a file that was cut off while it was written.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aimass.exceptions import TerminalSourceError

__all__ = [
    "SAMPLE_BYTES",
    "TAIL_BYTES",
    "CsvProfile",
    "Undecodable",
    "check_csv_tail",
    "check_text_sample",
    "find_undecodable",
    "guess_encoding",
    "identifier_columns",
    "line_of_offset",
    "profile_csv",
    "reader_names",
    "undecodable_error",
]

SAMPLE_BYTES = 1 << 18
TAIL_BYTES = 1 << 16
_DELIMITERS = (",", "\t", ";", "|")
_NAME_TOKENS = frozenset(
    {"id", "ids", "uid", "uuid", "code", "zip", "zipcode", "postcode", "postal", "phone", "mobile", "tel",
     "telephone", "sku", "ean", "upc", "isbn", "gtin", "barcode", "no", "nr", "account", "iban"}
)  # fmt: skip
_NAME_PARTS = ("编号", "号码", "编码", "代码", "电话", "手机", "邮编", "单号", "账号", "卡号", "条码", "货号")
_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_LEADING_ZERO = re.compile(r"^[ \t]*[+]?0\d+[ \t]*$", re.MULTILINE)
_LONG_DIGITS = re.compile(r"^[ \t]*\d{16,}[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class CsvProfile:
    """What the head of a delimited file shows.

    Parameters
    ----------
    delimiter : str
        The field separator.
    columns : tuple of str
        Column names as the reader will name them (trimmed; ``column{i}`` without a header).
    text_columns : tuple of str
        Identifier columns that must stay text.
    sample_rows : int
        Data rows seen in the sample.
    whole_file : bool
        Whether the sample was the whole file.
    """

    delimiter: str
    columns: tuple[str, ...]
    text_columns: tuple[str, ...]
    sample_rows: int
    whole_file: bool


@dataclass(frozen=True)
class Undecodable:
    """The first bytes of a file that are not valid in the expected encoding."""

    offset: int
    line: int
    snippet: bytes
    at: int


def _codec(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "utf-8-sig" if name == "utf-8" else name


def guess_encoding(data: bytes) -> str:
    """A likely encoding for bytes that are not UTF-8.

    One of ``utf-16``, ``gbk``, ``gb18030``, ``big5``, ``shift_jis``, else ``latin-1``.

    Examples
    --------
    >>> guess_encoding("客户编号,城市".encode("gbk"))
    'gbk'
    >>> guess_encoding("José,Zoë".encode("latin-1"))
    'latin-1'
    """
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    high = sum(1 for byte in data if byte > 0x7F)
    for candidate in ("gbk", "gb18030", "big5", "shift_jis"):
        for trimmed in (data, data[1:], data[:-1], data[1:-1]):  # the sample may cut a character in two
            try:
                text = trimmed.decode(candidate)
            except UnicodeDecodeError:
                continue
            if sum(1 for char in text if ord(char) > 0x2E80) >= max(1, high // 4):
                return candidate
            break
    return "latin-1"


def _decode_head(path: Path, data: bytes, encoding: str, whole: bool) -> str:
    decoder = codecs.getincrementaldecoder(_codec(encoding))(errors="strict")
    try:
        return decoder.decode(data, final=whole)
    except UnicodeDecodeError as error:
        raise _encoding_error(path, encoding, data, error.start) from None


def _encoding_error(
    path: Path, encoding: str, data: bytes, offset: int, line: int | None = None
) -> TerminalSourceError:
    """The error for ``data[offset:]`` not decoding (``data`` starts the file unless ``line`` is given)."""
    before, after = data[max(0, offset - 200) : offset], data[offset : offset + 200]
    guess = guess_encoding(before[-100:] + after[:100])
    if line is None:
        line = data[:offset].count(b"\n") + 1
    text = (before.rsplit(b"\n", 1)[-1] + after.split(b"\n", 1)[0]).decode(guess, errors="replace").strip()
    example = f" (read as {guess}, that line says {text[:60]!r})" if text else ""
    return TerminalSourceError(
        f"{path} is not {encoding} text: line {line:,} has the bytes {after[:4]!r}, which are not valid "
        f"{encoding}. It looks like {guess}{example}. Pass the encoding: --encoding {guess} "
        f"(in sources.yaml: options: {{encoding: {guess}}})"
    )


def check_text_sample(path: Path, encoding: str) -> None:
    """Check that the head of a text file decodes as ``encoding``.

    Raises
    ------
    TerminalSourceError
        Naming the line, the bytes and the encoding to pass instead.
    """
    with path.open("rb") as handle:
        data = handle.read(SAMPLE_BYTES + 1)
    _decode_head(path, data[:SAMPLE_BYTES], encoding, whole=len(data) <= SAMPLE_BYTES)


def _split_tokens(name: str) -> list[str]:
    return [token.lower() for token in _TOKEN.findall(name)]


def identifier_columns(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Columns that hold identifiers and must stay text.

    A column is an identifier when its name says so (a word such as id, code, zip, phone, sku or
    no, or 编号, 号码, 电话...), or when a sampled value is a digit string with a leading zero
    (``0012345``) or too long for a 64-bit float (16 or more digits).

    Examples
    --------
    >>> identifier_columns(["Order No", "Line", "Qty", "paid", "zip5"], [["1", "1", "2", "3", "01234"]])
    ('Order No', 'zip5')
    """
    found: list[str] = []
    width = len(columns)
    values_by_column = list(zip(*(row for row in rows if len(row) == width), strict=True)) or [()] * width
    for name, values in zip(columns, values_by_column, strict=True):
        tokens = _split_tokens(name)
        named = any(token in _NAME_TOKENS for token in tokens) or any(part in name for part in _NAME_PARTS)
        text = "\n".join(values)
        if named or _LEADING_ZERO.search(text) or _LONG_DIGITS.search(text):
            found.append(name)
    return tuple(found)


def _delimiter(first_line: str) -> str:
    counts = {candidate: first_line.count(candidate) for candidate in _DELIMITERS}
    best = max(counts, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def reader_names(header: Sequence[str] | None, width: int) -> tuple[str, ...]:
    """Column names as readers give them: trimmed, ``column{i}`` when blank, ``name_1`` when repeated."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index in range(width):
        name = (
            header[index].strip() if header is not None and index < len(header) else ""
        ) or f"column{index}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return tuple(names)


def _short_row_error(path: Path, line: int, found: int, expected: int, last: bool) -> TerminalSourceError:
    cut = " The file looks cut off: was it copied while it was still being written?" if last else ""
    return TerminalSourceError(
        f"{path} line {line:,} has {found} field(s) but the header has {expected}.{cut} "
        "Export the file again, or fix that line."
    )


def _quote_error(path: Path, line: int) -> TerminalSourceError:
    return TerminalSourceError(
        f'{path} line {line:,} opens a quoted value (") that never closes before the end of the file: '
        "the file looks cut off or a quote is missing. Export the file again, or fix that line."
    )


def _parse(
    path: Path, text: str, delimiter: str, first_line: int, whole: bool
) -> list[tuple[int, list[str]]]:
    """Records with the line each starts on; a broken quote at the end is an error only for a whole file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    records: list[tuple[int, list[str]]] = []
    start = first_line
    try:
        for record in reader:
            if record:
                records.append((start, record))
            start = first_line + reader.line_num
    except csv.Error as error:
        if "end of data" in str(error) or "EOF" in str(error):
            if whole:
                raise _quote_error(path, start) from None
            return records
        raise TerminalSourceError(f"{path} line {start:,} is not valid CSV: {error}") from None
    return records


def profile_csv(path: Path, *, delimiter: str | None, encoding: str, header: bool) -> CsvProfile:
    """Read the head of a delimited file: delimiter, columns, identifier columns; refuse broken files.

    Raises
    ------
    TerminalSourceError
        When the file is empty, holds only a header, is not in ``encoding``, or a row in the head
        has the wrong number of fields or an unterminated quote.
    """
    size = path.stat().st_size
    if size == 0:
        raise TerminalSourceError(f"{path} is empty (0 bytes); nothing to load")
    with path.open("rb") as handle:
        data = handle.read(SAMPLE_BYTES)
    whole = size <= SAMPLE_BYTES
    text = _decode_head(path, data, encoding, whole)
    if not whole:
        text = text[: text.rfind("\n") + 1] or text
    if not text.strip():
        raise TerminalSourceError(f"{path} holds only blank lines; nothing to load")
    delimiter = delimiter or _delimiter(text.split("\n", 1)[0])
    records = _parse(path, text, delimiter, 1, whole)
    first = records[0][1] if header else None
    data_rows = records[1:] if header else records
    width = len(first) if first is not None else max(len(record) for _, record in records)
    if header and not data_rows and whole:
        raise TerminalSourceError(
            f"{path} holds only a header ({', '.join(first or [])}) and no data rows; nothing to load"
        )
    for position, (line, record) in enumerate(data_rows):
        if len(record) != width:
            raise _short_row_error(
                path, line, len(record), width, last=whole and position == len(data_rows) - 1
            )
    names = reader_names(first, width)
    return CsvProfile(
        delimiter=delimiter,
        columns=names,
        text_columns=identifier_columns(names, [record for _, record in data_rows]),
        sample_rows=len(data_rows),
        whole_file=whole,
    )


def line_of_offset(path: Path, offset: int) -> int:
    """The 1-based line number of a byte offset (reads the file up to it)."""
    lines = 1
    with path.open("rb") as handle:
        remaining = offset
        while remaining > 0 and (chunk := handle.read(min(remaining, 1 << 24))):
            lines += chunk.count(b"\n")
            remaining -= len(chunk)
    return lines


def check_csv_tail(path: Path, profile: CsvProfile, encoding: str) -> None:
    """Refuse a delimited file whose last row is cut short or leaves a quote open.

    Only the last ``TAIL_BYTES`` are read; when the rows there do not line up (a quoted value
    spanning many lines), the check stays silent and the engine's reader has the last word.

    Raises
    ------
    TerminalSourceError
        Naming the line and what is wrong with it.
    """
    size = path.stat().st_size
    if (
        profile.whole_file
        or size <= SAMPLE_BYTES
        or not _codec(encoding).startswith(("utf-8", "gb", "iso", "cp"))
    ):
        return
    start = max(0, size - TAIL_BYTES)
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    newline = data.find(b"\n")
    if newline < 0:
        return
    text = data[newline + 1 :].decode(_codec(encoding), errors="replace")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=profile.delimiter, quotechar='"', strict=True
    )
    records: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for record in reader:
            if record:
                records.append((line, record))
            line = reader.line_num
    except csv.Error as error:
        at_the_end = "end of data" in str(error) or "EOF" in str(error)
        if at_the_end and records and all(len(record) == len(profile.columns) for _, record in records[-3:]):
            raise _quote_error(path, line_of_offset(path, start + newline + 1) + line) from None
        return
    width = len(profile.columns)
    if len(records) < 2 or any(len(record) != width for _, record in records[-3:-1]):
        return
    last_line, last = records[-1]
    if len(last) < width:
        line = line_of_offset(path, start + newline + 1) + last_line
        raise _short_row_error(path, line, len(last), width, True)


def find_undecodable(path: Path, encoding: str) -> Undecodable | None:
    """The first bytes of ``path`` that do not decode as ``encoding``, or None (streams the file)."""
    decoder = codecs.getincrementaldecoder(_codec(encoding))(errors="strict")
    offset, lines = 0, 1
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                position = max(0, min(error.start, len(chunk)))
                lines += chunk[:position].count(b"\n")
                begin = max(0, position - 200)
                return Undecodable(offset + position, lines, chunk[begin : position + 200], position - begin)
            lines += chunk.count(b"\n")
            offset += len(chunk)
    return None


def undecodable_error(path: Path, encoding: str, found: Undecodable) -> TerminalSourceError:
    """The error for bytes found by :func:`find_undecodable`."""
    return _encoding_error(path, encoding, found.snippet, found.at, line=found.line)
