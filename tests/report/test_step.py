"""The ``health_report`` step and ``aimass report health``."""

from __future__ import annotations

import openpyxl

from aimass import Workspace
from aimass.cli.main import main
from aimass.pipeline import get_step, run_steps

from ._data import write_raw_tables


def test_step_writes_the_three_files(workspace: Workspace) -> None:
    write_raw_tables(workspace)
    step = get_step("health_report")
    assert "quality" in step.after and "profile" in step.after
    (run,) = run_steps(workspace, ["health_report"])
    assert run.result is not None
    folder = workspace.reports_dir
    for kind in ("html", "pdf", "xlsx"):
        assert (folder / f"health.{kind}").is_file()
        assert str(folder / f"health.{kind}") in run.result.summary
    assert run.result.figures["duplicate_rows"] == {"raw.customers": 0, "raw.orders": 2}
    assert run.result.warnings == ["no quality rule results yet: the report says so"]
    assert (folder / "health.pdf").read_bytes().startswith(b"%PDF")
    book = openpyxl.load_workbook(folder / "health.xlsx", read_only=True)
    assert "Tables" in book.sheetnames


def test_cli_writes_chosen_format(workspace: Workspace) -> None:
    write_raw_tables(workspace)
    root = workspace.root
    workspace.close()
    out = root / "elsewhere"
    code = main(["report", "health", "--workspace", str(root), "--format", "html", "--out", str(out)])
    assert code == 0
    assert (out / "health.html").is_file()
    assert not (out / "health.pdf").exists()
    assert "raw.orders" in (out / "health.html").read_text(encoding="utf-8")
    assert main(["report", "health", "--workspace", str(root), "--format", "doc"]) == 1
