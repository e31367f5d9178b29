"""Malformed input: a clear error naming the problem, and the warehouse exactly as before.

Each case first loads a good ``raw.orders``, then tries to replace it with a broken file. The
error must be a :class:`TerminalSourceError` whose message names the problem, the tables and the
old rows must be unchanged, and the only addition is a failed ``meta.loads`` row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aimass import Workspace
from aimass.exceptions import IngestError, TerminalSourceError
from aimass.ingest import ingest_files

HEADER = "Order No,Customer ID,Qty,Unit Price\n"


def _rows(count: int, start: int = 0) -> str:
    return "".join(
        f"SO{n:08d},{n % 9999:07d},{n % 5 + 1},{n % 300}.50\n" for n in range(start, start + count)
    )


BIG = 40_000  # rows: about 1.3 MB, beyond the 256 KiB head sample and DuckDB's 20,480-row sniffing sample


def _truncated_small(path: Path) -> None:
    path.write_text(HEADER + _rows(3) + "SO00000009,0000009,2", encoding="utf-8")


def _truncated_big(path: Path) -> None:
    path.write_text(HEADER + _rows(BIG) + "SO00099999,0000", encoding="utf-8")


def _unterminated_quote(path: Path) -> None:
    path.write_text(HEADER + _rows(3) + 'SO00000009,"0000009,2,1.50\n', encoding="utf-8")


def _unterminated_quote_big(path: Path) -> None:
    path.write_text(HEADER + _rows(BIG) + 'SO00099999,"0000009,2,1.50\n', encoding="utf-8")


def _short_row_in_the_middle(path: Path) -> None:
    path.write_text(HEADER + _rows(BIG) + "SO00099998,0000001\n" + _rows(BIG, start=BIG), encoding="utf-8")


def _gbk(path: Path) -> None:
    path.write_bytes((HEADER.strip() + ",城市\n" + "SO1,0000001,1,2.5,上海\n").encode("gbk"))


def _gbk_after_the_sample(path: Path) -> None:
    body = "".join(f"SO{n},{n:07d},city {n}\n" for n in range(BIG))
    path.write_bytes(b"Order No,Customer ID,City\n" + body.encode() + "SO9,0000001,上海\n".encode("gbk"))


def _gbk_in_a_number_column(path: Path) -> None:
    path.write_bytes(HEADER.encode() + _rows(BIG).encode() + "SO9,0000001,1,上海\n".encode("gbk"))


def _latin1(path: Path) -> None:
    path.write_bytes((HEADER + "SO1,0000001,1,2.5\nSO2,Zoë,1,2.5\n").encode("latin-1"))


def _mixed_types(path: Path) -> None:
    path.write_text(HEADER + _rows(BIG) + "SO00099999,0000001,two,1.50\n", encoding="utf-8")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _header_only(path: Path) -> None:
    path.write_text(HEADER, encoding="utf-8")


def _corrupt_parquet(path: Path) -> None:
    path.write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")


def _not_parquet(path: Path) -> None:
    path.write_text(HEADER + _rows(2), encoding="utf-8")


def _corrupt_excel(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)


def _bad_json(path: Path) -> None:
    path.write_text('[{"order": "SO1", "qty": 1}, {"order": "SO2", "qty": ', encoding="utf-8")


def _bad_jsonl(path: Path) -> None:
    path.write_text(
        '{"order": "SO1", "qty": 1}\n{"order": "SO2", "qty": 2\n{"order": "SO3"}\n', encoding="utf-8"
    )


def _empty_json(path: Path) -> None:
    path.write_bytes(b"")


def _empty_json_array(path: Path) -> None:
    path.write_text("[]", encoding="utf-8")


def _unknown_extension(path: Path) -> None:
    path.write_text(HEADER + _rows(2), encoding="utf-8")


LAST = f"line {BIG + 2:,}"  # the header is line 1
CASES: list[tuple[str, str, Callable[[Path], None], list[str]]] = [
    (
        "truncated-small",
        "cut.csv",
        _truncated_small,
        ["line 5", "3 field(s) but the header has 4", "cut off"],
    ),
    ("truncated-big", "cut.csv", _truncated_big, [LAST, "has 2 field(s)", "cut off"]),
    ("quote-small", "quote.csv", _unterminated_quote, ["line 5", "never closes"]),
    ("quote-big", "quote.csv", _unterminated_quote_big, [LAST, "never closes"]),
    ("short-row", "short.csv", _short_row_in_the_middle, [LAST, "has 2 field(s) but the header has 4"]),
    ("gbk", "gbk.csv", _gbk, ["not utf-8", "line 1", "--encoding gbk", "城市"]),
    ("gbk-late", "gbk.csv", _gbk_after_the_sample, ["not utf-8", LAST, "--encoding gbk", "上海"]),
    ("gbk-late-number", "gbk.csv", _gbk_in_a_number_column, ["not utf-8", LAST, "--encoding gbk"]),
    ("latin-1", "latin.csv", _latin1, ["not utf-8", "line 3", "--encoding latin-1"]),
    (
        "mixed-types",
        "mixed.csv",
        _mixed_types,
        [LAST, 'column "Qty"', "'two'", "--types Qty=VARCHAR", "--all-varchar"],
    ),
    ("empty", "empty.csv", _empty, ["empty (0 bytes)"]),
    ("header-only", "header.csv", _header_only, ["only a header (Order No, Customer ID, Qty, Unit Price)"]),
    ("corrupt-parquet", "broken.parquet", _corrupt_parquet, ["not a readable Parquet file"]),
    ("not-parquet", "orders.parquet", _not_parquet, ["not a readable Parquet file", "marker"]),
    ("corrupt-excel", "broken.xlsx", _corrupt_excel, ["not a readable Excel workbook"]),
    ("bad-json", "orders.json", _bad_json, ["not valid JSON", "unexpected end of data"]),
    ("bad-jsonl", "orders.jsonl", _bad_jsonl, ["not valid JSON", "line 3"]),
    ("empty-json", "orders.json", _empty_json, ["empty (0 bytes)"]),
    ("empty-json-array", "orders.json", _empty_json_array, ["holds no data rows"]),
    (
        "unknown-extension",
        "orders.xml",
        _unknown_extension,
        ["'.xml'", ".csv", ".parquet", ".xlsx", "--format"],
    ),
]


@pytest.fixture
def loaded(workspace: Workspace, files: Path) -> Workspace:
    """A workspace whose ``raw.orders`` already holds a good load."""
    good = files / "good.csv"
    good.write_text(HEADER + _rows(5), encoding="utf-8")
    ingest_files(workspace, good, "orders")
    return workspace


def _snapshot(workspace: Workspace) -> tuple[list[str], list[dict[str, object]], int]:
    engine = workspace.engine
    return engine.list_tables(), engine.read_arrow("raw.orders").to_pylist(), engine.row_count("meta.loads")


@pytest.mark.parametrize(("case", "name", "write", "fragments"), CASES, ids=[case[0] for case in CASES])
def test_malformed_file_is_refused_and_changes_nothing(
    loaded: Workspace, files: Path, case: str, name: str, write: Callable[[Path], None], fragments: list[str]
) -> None:
    path = files / name
    write(path)
    tables, rows, loads = _snapshot(loaded)

    with pytest.raises(TerminalSourceError) as caught:
        ingest_files(loaded, path, "orders")

    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{case}: {fragment!r} not in {message!r}"
    assert str(path) in message or path.name in message
    after_tables, after_rows, after_loads = _snapshot(loaded)
    assert after_tables == tables
    assert after_rows == rows
    assert after_loads == loads + 1
    failed = loaded.engine.sql("SELECT * FROM meta.loads ORDER BY started_at DESC LIMIT 1").to_pylist()[0]
    assert (failed["status"], failed["target"], failed["rows"]) == ("failed", "raw.orders", 0)
    assert failed["error"] == message


def test_fixing_the_problem_as_the_message_says_loads_the_file(loaded: Workspace, files: Path) -> None:
    gbk, mixed = files / "gbk.csv", files / "mixed.csv"
    _gbk(gbk)
    _mixed_types(mixed)

    ingest_files(loaded, gbk, "orders", options={"encoding": "gbk"})
    assert loaded.engine.read_arrow("raw.orders")["城市"].to_pylist() == ["上海"]

    result = ingest_files(loaded, mixed, "orders", options={"types": {"Qty": "VARCHAR"}})
    assert result.rows == BIG + 1
    assert loaded.engine.read_arrow("raw.orders")["Qty"].to_pylist()[-1] == "two"


def test_missing_file_and_empty_glob(loaded: Workspace, files: Path) -> None:
    tables, rows, loads = _snapshot(loaded)

    with pytest.raises(TerminalSourceError, match=r"file not found: .*nope\.csv"):
        ingest_files(loaded, files / "nope.csv", "orders")
    with pytest.raises(
        TerminalSourceError, match=r"no file matches '.*orders_\*\.csv' \(looked in .*files\)"
    ):
        ingest_files(loaded, files / "orders_*.csv", "orders")
    with pytest.raises(TerminalSourceError, match="is a folder"):
        ingest_files(loaded, files, "orders")

    assert _snapshot(loaded)[:2] == (tables, rows)
    assert _snapshot(loaded)[2] == loads + 3


def test_a_bad_file_in_a_glob_loads_none_of_them(loaded: Workspace, files: Path) -> None:
    (files / "part_1.csv").write_text(HEADER + _rows(3), encoding="utf-8")
    _truncated_small(files / "part_2.csv")
    tables, rows, _ = _snapshot(loaded)

    with pytest.raises(TerminalSourceError, match=r"part_2\.csv line 5"):
        ingest_files(loaded, files / "part_*.csv", "orders")

    assert _snapshot(loaded)[:2] == (tables, rows)


def test_errors_are_ingest_errors_and_value_errors(loaded: Workspace, files: Path) -> None:
    _empty(files / "empty.csv")
    with pytest.raises(IngestError):
        ingest_files(loaded, files / "empty.csv", "orders")
    with pytest.raises(ValueError, match="empty"):
        ingest_files(loaded, files / "empty.csv", "orders")
