"""`aimass export` and export_table: tables out as documents and files, and back in with ingest_files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aimass import Workspace
from aimass.cli.main import main
from aimass.engine import LINEAGE_COLUMNS
from aimass.exceptions import ConfigError, TableNotFoundError
from aimass.ingest import ingest_files
from aimass.ingest._export import EXPORT_FORMATS, export_table

TABLE = pa.table(
    {
        "customer_id": ["0000042", "0000007", "0012345"],
        "quantity": pa.array([3, None, 12], pa.int64()),
        "price": [1200.5, 4.0, 0.25],
        "note": ['a, "quoted" | piped', "two\nlines", None],
        "ordered_at": pa.array(
            [dt.datetime(2024, 3, 5, 14, 22, 1), dt.datetime(2024, 12, 31, 23, 59, 59), None],
            pa.timestamp("us"),
        ),
    }
)


@pytest.fixture
def orders(workspace: Workspace) -> Workspace:
    workspace.engine.write_table("core.orders", TABLE)
    return workspace


def _data_rows(workspace: Workspace, name: str) -> list[dict[str, Any]]:
    table = workspace.engine.read_arrow(name)
    rows: list[dict[str, Any]] = table.drop_columns(
        [c for c in table.column_names if c in LINEAGE_COLUMNS]
    ).to_pylist()
    return rows


@pytest.mark.parametrize("format", ["csv", "parquet", "jsonl"])
def test_export_then_ingest_gives_the_same_rows(orders: Workspace, tmp_path: Path, format: str) -> None:
    path = tmp_path / f"orders{EXPORT_FORMATS[format]}"  # type: ignore[index]
    result = export_table(orders, "core.orders", path, format)

    assert (result.table, result.rows, result.columns) == ("core.orders", 3, tuple(TABLE.column_names))
    assert result.bytes == path.stat().st_size > 0
    options = {"text_columns": ["customer_id"]} if format == "csv" else None
    ingest_files(orders, path, "orders_back", options=options)
    assert _data_rows(orders, "raw.orders_back") == TABLE.to_pylist()


def test_jsonl_and_json_write_iso_times_and_keep_leading_zeros(orders: Workspace, tmp_path: Path) -> None:
    export_table(orders, "orders", tmp_path / "o.jsonl", "jsonl")
    export_table(orders, "orders", tmp_path / "o.json", "json")

    lines = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {
        "customer_id": "0000042",
        "quantity": 3,
        "price": 1200.5,
        "note": 'a, "quoted" | piped',
        "ordered_at": "2024-03-05T14:22:01",
    }
    assert json.loads((tmp_path / "o.json").read_text(encoding="utf-8")) == lines


def test_utc_timestamps_end_in_z_and_fractions_are_kept(workspace: Workspace, tmp_path: Path) -> None:
    stamps = [dt.datetime(2024, 3, 5, 6, 0, tzinfo=dt.UTC), dt.datetime(2024, 3, 5, 6, 0, 0, 250000, dt.UTC)]
    workspace.engine.write_table("mart.t", pa.table({"at": pa.array(stamps, pa.timestamp("us", "UTC"))}))
    export_table(workspace, "mart.t", tmp_path / "t.jsonl", "jsonl")

    text = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["at"] for line in text] == ["2024-03-05T06:00:00Z", "2024-03-05T06:00:00.25Z"]


def test_nested_values_are_json_in_csv_and_objects_in_jsonl(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        {"id": "1", "context": {"device": "ios", "at": dt.datetime(2024, 1, 1, 5)}, "tags": ["a", "b"]},
        {"id": "2", "context": None, "tags": None},
    ]
    workspace.engine.write_table("core.nested", pa.Table.from_pylist(rows))
    export_table(workspace, "core.nested", tmp_path / "n.csv", "csv")
    export_table(workspace, "core.nested", tmp_path / "n.jsonl", "jsonl")

    csv_lines = (tmp_path / "n.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[1] == '"1","{""device"": ""ios"", ""at"": ""2024-01-01T05:00:00""}","[""a"", ""b""]"'
    assert csv_lines[2] == '"2",,'
    documents = [json.loads(line) for line in (tmp_path / "n.jsonl").read_text(encoding="utf-8").splitlines()]
    assert documents == [
        {"id": "1", "context": {"device": "ios", "at": "2024-01-01T05:00:00"}, "tags": ["a", "b"]},
        {"id": "2", "context": None, "tags": None},
    ]


def test_markdown_is_a_table_with_escaped_pipes(orders: Workspace, tmp_path: Path) -> None:
    export_table(orders, "core.orders", tmp_path / "o.md", "markdown", columns=["customer_id", "note"])

    assert (tmp_path / "o.md").read_text(encoding="utf-8").splitlines() == [
        "| customer_id | note |",
        "|---|---|",
        '| 0000042 | a, "quoted" \\| piped |',
        "| 0000007 | two<br>lines |",
        "| 0012345 |  |",
    ]


def test_columns_and_limit_choose_what_is_written(orders: Workspace, tmp_path: Path) -> None:
    result = export_table(
        orders, "core.orders", tmp_path / "o.parquet", "parquet", columns=["price"], limit=2
    )

    assert (result.rows, result.columns) == (2, ("price",))
    assert pq.read_table(tmp_path / "o.parquet").to_pylist() == [{"price": 1200.5}, {"price": 4.0}]


def test_a_table_larger_than_one_batch_is_streamed_whole(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aimass.ingest._export as export_module

    monkeypatch.setattr(export_module, "_BATCH_ROWS", 7)
    workspace.engine.write_table("core.n", pa.table({"n": list(range(100))}))
    for format in ("json", "csv", "parquet", "jsonl", "markdown"):
        result = export_table(workspace, "core.n", tmp_path / f"n.{format}", format)
        assert result.rows == 100, format
    assert [row["n"] for row in json.loads((tmp_path / "n.json").read_text())] == list(range(100))
    assert pq.read_table(tmp_path / "n.parquet").column("n").to_pylist() == list(range(100))
    assert len((tmp_path / "n.markdown").read_text().splitlines()) == 102


def test_an_empty_table_gives_valid_empty_documents(workspace: Workspace, tmp_path: Path) -> None:
    workspace.engine.write_table("core.empty", pa.table({"n": pa.array([], pa.int64())}))
    export_table(workspace, "core.empty", tmp_path / "e.json", "json")
    assert json.loads((tmp_path / "e.json").read_text()) == []


def test_an_existing_file_is_kept_unless_forced(orders: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "out" / "o.csv"
    path.parent.mkdir()
    path.write_text("precious\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="exists; pass force=True"):
        export_table(orders, "core.orders", path, "csv")
    assert path.read_text(encoding="utf-8") == "precious\n"
    export_table(orders, "core.orders", path, "csv", force=True)
    assert path.read_text(encoding="utf-8").startswith('"customer_id","quantity"')
    assert [p.name for p in path.parent.iterdir()] == ["o.csv"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("name", "format", "error", "message"),
    [
        (
            "core.nope",
            "csv",
            TableNotFoundError,
            r"table core.nope does not exist \(tables in core: core.orders\)",
        ),
        ("nope", "csv", TableNotFoundError, "table 'nope' does not exist in any layer"),
        (
            "core.orders",
            "xml",
            ConfigError,
            "format='xml' is not allowed; use one of jsonl, json, markdown, csv",
        ),
    ],
)
def test_unknown_tables_and_formats_are_named(
    orders: Workspace, tmp_path: Path, name: str, format: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        export_table(orders, name, tmp_path / "out", format)
    assert not (tmp_path / "out").exists()


def test_an_unknown_column_lists_the_columns(orders: Workspace, tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"columns \['nope'\] are not in core.orders; its columns: customer_id"
    ):
        export_table(orders, "core.orders", tmp_path / "o.csv", "csv", columns=["nope"])


def test_an_ambiguous_short_name_asks_for_the_layer(orders: Workspace, tmp_path: Path) -> None:
    orders.engine.write_table("raw.orders", TABLE)
    with pytest.raises(ConfigError, match=r"'orders' is in several layers \(raw.orders, core.orders\)"):
        export_table(orders, "orders", tmp_path / "o.csv", "csv")


# --- the command ----------------------------------------------------------------------------------


def test_cli_export_writes_the_file_and_reports_json(
    orders: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(orders.root)
    orders.close()
    out = tmp_path / "o.jsonl"
    code = main(
        [
            "export",
            "core.orders",
            "--format",
            "jsonl",
            "--out",
            str(out),
            "--limit",
            "1",
            "--json",
            "-w",
            root,
        ]
    )

    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows"], report["path"], report["format"]) == (1, str(out), "jsonl")
    assert json.loads(out.read_text(encoding="utf-8"))["customer_id"] == "0000042"
    assert main(["export", "core.orders", "-f", "jsonl", "-o", str(out), "-w", root]) == 1
    assert "exists; pass force=True (--force)" in capsys.readouterr().err
    assert (
        main(
            [
                "export",
                "core.orders",
                "-f",
                "csv",
                "-o",
                str(out),
                "--force",
                "--columns",
                "price",
                "-w",
                root,
            ]
        )
        == 0
    )
    assert out.read_text(encoding="utf-8").splitlines()[0] == '"price"'


def test_cli_export_defaults_to_the_table_name_here(
    orders: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(orders.root)
    orders.close()
    monkeypatch.chdir(tmp_path)
    assert main(["export", "core.orders", "--format", "markdown", "-w", root]) == 0
    assert (tmp_path / "orders.md").read_text(encoding="utf-8").startswith("| customer_id |")
    assert main(["export", "core.orders", "--format", "yaml", "-w", root]) == 1
    assert "format='yaml' is not allowed" in capsys.readouterr().err
