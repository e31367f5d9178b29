"""``aimass ingest`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimass import Workspace
from aimass.cli.main import main


@pytest.fixture
def orders(files: Path) -> Path:
    path = files / "orders.csv"
    path.write_text("Order No,Customer ID,Qty\nSO1,0012345,2\nSO2,0000077,x1\n", encoding="utf-8")
    return path


def test_ingest_prints_the_table_rows_and_seconds(
    workspace: Workspace, orders: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.close()

    code = main(["ingest", str(orders), "--workspace", str(workspace.root), "--types", "Qty=VARCHAR"])

    out = capsys.readouterr().out
    assert code == 0
    assert "raw.orders" in out and "load-" in out
    with Workspace.open(workspace.root) as ws:
        assert ws.engine.read_arrow("raw.orders")["Customer ID"].to_pylist() == ["0012345", "0000077"]


def test_ingest_json_output(workspace: Workspace, files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace.close()
    for n in (1, 2):
        (files / f"part_{n}.tsv").write_text(f"k\tv\n{n}\tx\n", encoding="utf-8")

    code = main(["ingest", str(files / "part_*.tsv"), "-t", "parts", "-w", str(workspace.root), "--json"])

    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["target"], result["rows"], len(result["files"])) == ("raw.parts", 2, 2)
    assert set(result) == {
        "target",
        "rows",
        "files",
        "load_id",
        "schema_hash",
        "seconds",
        "rows_new",
        "rows_updated",
        "rows_skipped",
        "source",
    }


def test_ingest_append_mode_and_options(
    workspace: Workspace, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.close()
    path = files / "semi.csv"
    path.write_bytes("代码;城市\n001;上海\n".encode("gbk"))
    args = ["ingest", str(path), "-w", str(workspace.root), "--delimiter", ";", "--encoding", "gbk", "--json"]

    assert main([*args, "--mode", "append"]) == 0
    assert main([*args, "--mode", "append"]) == 0

    capsys.readouterr()
    with Workspace.open(workspace.root) as ws:
        assert ws.engine.read_arrow("raw.semi")["代码"].to_pylist() == ["001", "001"]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--types", "Quantity=VARCHAR"], "'Quantity', not columns of"),
        (["--sheet", "orders"], "--sheet applies to Excel workbooks only"),
        (["--types", "Qty"], "must look like COLUMN=TYPE"),
        (["--mode", "upsert"], "replace, append"),
        (["--format", "xml"], "csv, tsv, parquet"),
        (["--encoding", "nope"], "encoding 'nope' is not known"),
    ],
)
def test_ingest_bad_input_exits_1_with_a_message(
    workspace: Workspace, orders: Path, capsys: pytest.CaptureFixture[str], extra: list[str], fragment: str
) -> None:
    workspace.close()

    code = main(["ingest", str(orders), "-w", str(workspace.root), *extra])

    captured = capsys.readouterr()
    assert code == 1
    assert "error" in captured.err
    assert fragment in " ".join(captured.err.split())


def test_ingest_missing_file_exits_1(
    workspace: Workspace, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.close()

    code = main(["ingest", str(files / "nothing_*.csv"), "-w", str(workspace.root)])

    assert code == 1
    assert "no file matches" in capsys.readouterr().err


def test_the_files_word_is_optional_and_flags_may_come_first(
    workspace: Workspace, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.close()
    (files / "a.csv").write_text("k\n1\n2\n", encoding="utf-8")
    root = str(workspace.root)

    assert main(["ingest", "files", str(files / "a.csv"), "-t", "one", "-w", root, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["ingest", "-t", "two", str(files / "a.csv"), "-w", root, "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert [(out["target"], out["rows"]) for out in (first, second)] == [("raw.one", 2), ("raw.two", 2)]


def test_ingest_all_loads_every_source_reports_failures_and_exits_1(
    workspace: Workspace, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.close()
    (files / "a.csv").write_text("k\n1\n2\n", encoding="utf-8")
    (workspace.root / "sources.yaml").write_text(
        f"sources:\n  - {{name: broken, kind: files, path: {files / 'missing.csv'}}}\n"
        f"  - {{name: good, kind: files, path: {files / 'a.csv'}}}\n",
        encoding="utf-8",
    )

    code = main(["ingest", "--all", "-w", str(workspace.root), "--json"])

    captured = capsys.readouterr()
    rows = {row["source"]: row for row in json.loads(captured.out)}
    assert code == 1 and "1 of 2 sources failed" in captured.err
    assert (rows["good"]["status"], rows["good"]["rows_new"], rows["good"]["target"]) == ("ok", 2, "raw.good")
    assert rows["broken"]["status"] == "failed" and "file not found" in rows["broken"]["error"]

    code = main(["ingest", "--all", "--source", "good", "-w", str(workspace.root)])
    out = capsys.readouterr().out
    assert code == 0 and "raw.good" in out and "broken" not in out and "ok" in out


def test_ingest_with_nothing_to_do_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest"]) == 0
    assert "--all" in capsys.readouterr().out
