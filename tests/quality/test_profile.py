"""The profiler on data with known statistics, files, the pipeline step and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from aimass import Workspace
from aimass.cli.main import main
from aimass.exceptions import ConfigError, IngestError, TableNotFoundError
from aimass.pipeline import get_step
from aimass.quality import profile
from aimass.quality._profile_step import ProfileParams
from aimass.settings import EngineSettings


def _kinds(found: dict[str, object]) -> set[tuple[object, object]]:
    return {(a["column"], a["kind"]) for a in found["alerts"]}  # type: ignore[index, union-attr, attr-defined]


@pytest.fixture
def known(workspace: Workspace) -> Workspace:
    """Ten rows whose statistics are worked out by hand."""
    table = pa.table(
        {
            "zip": ["01234", "02139", "10001", "00501", "94105", "01234", "30301", "60601", "73301", "02139"],
            "x": [float(v) for v in range(1, 11)],
            "y": [2.0 * v for v in range(1, 11)],
            "signed": [-2, -1, 0, 0, 0, 1, 2, 3, 4, 5],
            "half_missing": [1.5, None, 2.5, None, None, None, 3.5, None, 4.5, 5.5],
            "same": ["k"] * 10,
            "code": [f"C{i:03d}" for i in range(10)],
        }
    )
    workspace.engine.write_table("raw.known", table)
    return workspace


def test_known_statistics(known: Workspace) -> None:
    found = profile(known, "raw.known").to_dict()
    assert found["n_rows"] == 10 and found["n_columns"] == 7 and found["n_duplicate_rows"] == 0
    x = found["columns"]["x"]
    assert x["type"] == "numeric" and x["mean"] == 5.5 and x["min"] == 1.0 and x["max"] == 10.0
    assert math.isclose(x["std"], math.sqrt(55 / 6))  # sample variance of 1..10 is 9.1667
    # linear interpolation: position q * (n - 1) between the sorted values
    assert x["quantiles"] == {"0.05": 1.45, "0.25": 3.25, "0.5": 5.5, "0.75": 7.75, "0.95": 9.55}
    assert x["histogram"]["edges"][0] == 1.0 and x["histogram"]["edges"][-1] == 10.0
    assert sum(x["histogram"]["counts"]) == 10 and len(x["histogram"]["counts"]) == 20
    signed = found["columns"]["signed"]
    assert signed["n_zeros"] == 3 and signed["n_negative"] == 2 and signed["min"] == -2
    missing = found["columns"]["half_missing"]
    assert missing["n_missing"] == 5 and missing["pct_missing"] == 50.0 and missing["mean"] == 3.5
    zip_code = found["columns"]["zip"]
    assert zip_code["type"] == "identifier" and zip_code["n_distinct"] == 8
    assert zip_code["top_values"][:2] == [{"value": "01234", "count": 2}, {"value": "02139", "count": 2}]
    assert zip_code["length"] == {"min": 5, "mean": 5.0, "max": 5}
    alerts = _kinds(found)
    assert ("same", "constant") in alerts
    assert ("half_missing", "high_missing") in alerts
    assert ("code", "unique") in alerts and ("x", "unique") in alerts
    assert ("zip", "unique") not in alerts
    assert ("signed", "many_zeros") in alerts
    assert ("x", "high_correlation") in alerts  # y = 2x
    pearson = found["correlations"]["pearson"]
    i, j = pearson["columns"].index("x"), pearson["columns"].index("y")
    assert math.isclose(pearson["matrix"][i][j], 1.0)


def test_planted_duplicates_and_types(workspace: Workspace) -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    base = {
        "order_id": np.arange(n),
        "zip": [f"{z:05d}" for z in rng.integers(0, 99_999, n)],
        "amount": rng.gamma(2.0, 30.0, n).round(2),
        "channel": rng.choice(["web", "app", "store"], n),
        "paid": rng.random(n) < 0.97,
        "ordered_at": pa.array(rng.integers(1_700_000_000, 1_730_000_000, n) * 1_000_000, pa.timestamp("us")),
    }
    table = pa.table(base)
    copies = table.take(pa.array(np.arange(2_000)))  # 2,000 rows repeated once each
    workspace.engine.write_table("raw.orders", pa.concat_tables([table, copies]))
    found = profile(workspace, "raw.orders").to_dict()
    assert found["n_rows"] == 22_000
    assert found["n_duplicate_rows"] == 2_000
    assert len(found["duplicate_samples"]) == 5 and found["duplicate_samples"][0]["n_copies"] == 2
    columns = found["columns"]
    assert columns["zip"]["type"] == "identifier"
    assert columns["order_id"]["type"] == "identifier"
    assert columns["amount"]["type"] == "numeric" and columns["amount"]["skewness"] > 1
    assert columns["channel"]["type"] == "categorical" and columns["channel"]["n_distinct"] == 3
    assert columns["paid"]["type"] == "boolean"
    assert columns["ordered_at"]["type"] == "datetime"
    assert columns["ordered_at"]["datetime_range"]["min"].startswith("2023-11")
    alerts = _kinds(found)
    assert (None, "duplicates") in alerts and ("paid", "imbalanced") in alerts


def test_text_columns_mixed_types_and_bad_dates(workspace: Workspace) -> None:
    table = pa.table(
        {
            "amount": ["12.50", "¥1,200", "30", "7.25", "n/a"] * 20,
            "when": ["2024-03-05", "2024/3/5", "05.03.2024", "March 5, 2024", "soon"] * 20,
        }
    )
    workspace.engine.write_table("raw.messy", table)
    found = profile(workspace, "raw.messy").to_dict()
    assert found["columns"]["amount"]["n_numeric_like"] == 60
    assert ("amount", "mixed_types") in _kinds(found)
    assert found["columns"]["when"]["type"] == "datetime"
    assert found["columns"]["when"]["n_date_like"] == 80
    assert ("when", "unparseable_dates") in _kinds(found)
    assert found["n_duplicate_rows"] == 95  # five distinct rows, each 20 times


def test_file_keeps_leading_zeros(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("customer,zip,spend\n" + "".join(f"c{i},0{i % 9 + 1}234,{i}.5\n" for i in range(50)))
    found = profile(path)
    assert found.n_rows == 50 and found.size_bytes == path.stat().st_size
    assert found.columns["zip"]["type"] == "identifier"
    assert found.columns["spend"]["mean"] == 25.0  # (0.5 + 49.5) / 2
    assert "_load_id" not in found.columns


def test_malformed_input_errors(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        profile(tmp_path / "absent.csv")
    with pytest.raises(TableNotFoundError, match=r"raw\.nothing does not exist"):
        profile(workspace, "raw.nothing")
    with pytest.raises(ConfigError, match="name the table"):
        profile(workspace)
    workspace.engine.write_table("raw.t", pa.table({"a": [1]}))
    with pytest.raises(ConfigError, match="sample=0"):
        profile(workspace, "raw.t", sample=0)
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"not a parquet file at all")
    with pytest.raises(IngestError):
        profile(garbage)


def test_empty_table(workspace: Workspace) -> None:
    workspace.engine.write_table(
        "raw.empty", pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())})
    )
    found = profile(workspace, "raw.empty").to_dict()
    assert found["n_rows"] == 0 and found["n_duplicate_rows"] == 0 and found["alerts"] == []


def test_step_and_cli(known: Workspace, tmp_path: Path) -> None:
    result = get_step("profile").run(known, ProfileParams())
    assert result.tables == {"mart.profile_columns": 7}
    rows = known.engine.read_arrow("mart.profile_columns").to_pylist()
    zip_row = next(r for r in rows if r["column_name"] == "zip")
    assert zip_row["type"] == "identifier" and zip_row["table_name"] == "raw.known"
    same_row = next(r for r in rows if r["column_name"] == "same")
    assert "constant" in same_row["alerts"]
    report = known.reports_dir / "profile"
    assert json.loads((report / "known.json").read_text())["n_rows"] == 10
    assert "<html" in (report / "known.html").read_text().lower()
    known.close()
    out, data = tmp_path / "p.html", tmp_path / "p.json"
    code = main(["profile", "known", "-w", str(known.root), "--json", str(data), "--out", str(out)])
    assert code == 0 and json.loads(data.read_text())["columns"]["zip"]["type"] == "identifier"
    assert out.stat().st_size > 0
    assert main(["profile", "raw.missing", "-w", str(known.root)]) == 1


@pytest.mark.slow
def test_file_larger_than_memory_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = 4_200_000
    select = (
        "SELECT i AS id, lpad(CAST(i % 100000 AS VARCHAR), 5, '0') AS zip, (i % 1000) / 10.0 AS amount, "
        "'category_' || CAST(i % 7 AS VARCHAR) AS category, "
        "'a free text note about order number ' || CAST(i AS VARCHAR) AS note FROM range({n}) t(i)"
    )
    with duckdb.connect() as con:
        union = f"{select.format(n=rows)} UNION ALL {select.format(n=2_000)}"
        con.execute(f"COPY ({union}) TO '{path}' (HEADER)")
    assert path.stat().st_size > 300 * 10**6
    found = profile(path, settings=EngineSettings(memory_limit="100MB", threads=2))
    assert found.n_rows == rows + 2_000
    assert found.n_duplicate_rows == 2_000
    assert found.columns["zip"]["type"] == "identifier"
    assert found.columns["category"]["n_distinct"] == 7
    assert found.columns["amount"]["mean"] == pytest.approx(49.95, abs=0.01)


def _same_profile(first: dict[str, object], second: dict[str, object]) -> None:
    """Equal profiles, apart from what names the source and the file's size."""
    for key in ("source", "size_bytes"):
        first.pop(key), second.pop(key)
    assert first == second


def test_a_file_read_in_place_profiles_like_its_ingested_table(workspace: Workspace, tmp_path: Path) -> None:
    from aimass.ingest import ingest_files

    rows = [
        f"SO{i:05d},{i % 97:07d},{(i * 7) % 13}.25,{['web', 'app', 'store'][i % 3]},"
        f"2024-0{i % 9 + 1}-1{i % 10} 10:00:00,{'' if i % 11 == 0 else i % 5}\n"
        for i in range(300)
    ]
    path = tmp_path / "orders.csv"
    path.write_text("order,customer,amount,channel,ordered_at,qty\n" + "".join(rows + rows[:7]))
    ingest_files(workspace, path, "orders")
    from_file = profile(path).to_dict()
    from_table = profile(workspace, "raw.orders").to_dict()
    assert from_file["n_duplicate_rows"] == 7 and from_file["columns"]["customer"]["type"] == "identifier"
    assert from_file["columns"]["qty"]["n_missing"] == 29  # i % 11 == 0: 28 of 0..299, and row 0 repeated
    _same_profile(from_file, from_table)
    parquet = tmp_path / "orders.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * FROM read_csv('{path}', types={{'customer': 'VARCHAR'}})) TO '{parquet}'"
        )
    from_parquet = profile(parquet).to_dict()
    assert from_parquet["columns"]["customer"]["type"] == "identifier"
    assert from_parquet["n_duplicate_rows"] == 7


def test_profile_expression_matches_the_table_profile(known: Workspace) -> None:
    from aimass.quality import profile_expression

    table = known.engine.scan("raw.known")
    _same_profile(profile_expression(table, "k").to_dict(), profile(known, "raw.known").to_dict())
    half = profile_expression(table.filter(table.x > 5), "k").to_dict()
    assert half["n_rows"] == 5 and half["columns"]["x"]["min"] == 6.0


def test_english_12_hour_dates_are_recognised(workspace: Workspace) -> None:
    when = ["March 5, 2024 2:22 PM", "2024-03-05 14:22:00", "05.03.2024 14:22", "2024年3月5日 14:22"]
    workspace.engine.write_table("raw.dates", pa.table({"when": when * 5}))
    column = profile(workspace, "raw.dates").columns["when"]
    assert column["type"] == "datetime" and column["n_date_like"] == 20
    assert "unparseable_dates" not in column["alerts"]


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("a,b\n1,2\n3,4\n5", ["line 4", "1 field(s) but the header has 2", "cut off"]),
        ('a,b\n1,2\n3,"4\n', ["never closes"]),
        ("a,b\n", ["only a header (a, b)"]),
        ("", ["empty (0 bytes)"]),
    ],
    ids=["truncated", "open-quote", "header-only", "empty"],
)
def test_malformed_files_fail_as_ingest_says(tmp_path: Path, content: str, fragments: list[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError) as error:
        profile(path)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_a_type_clash_after_the_sniffed_rows_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    body = "".join(f"{i},{i % 7}\n" for i in range(40_000))
    path.write_text("id,qty\n" + body + "40000,two\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"line 40,002.*'two'.*--types qty=VARCHAR"):
        profile(path)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("name,city\nx,上海\n".encode("gbk"))
    with pytest.raises(IngestError, match="not utf-8"):
        profile(gbk)
