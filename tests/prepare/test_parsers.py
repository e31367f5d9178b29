"""Numbers, integers, booleans and JSON; the parser registry."""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa
import pytest

from aimass.exceptions import ConfigError
from aimass.prepare import (
    ParsePolicy,
    Parser,
    get_parser,
    parse_boolean,
    parse_integer,
    parse_json,
    parse_number,
    parser_names,
    register_parser,
)


def test_numbers(evaluate: Any) -> None:
    values = ["1,234.5", " -3 ", "+0.25", ".5", "1e3", "−7", "12 345", "1,23,4", "twelve", "", None]
    expected = [1234.5, -3.0, 0.25, 0.5, 1000.0, -7.0, 12345.0, None, None, None, None]
    assert evaluate(parse_number, values) == expected
    assert evaluate(parse_number, [3, None], pa.int64()) == [3.0, None]


def test_integers(evaluate: Any) -> None:
    assert evaluate(parse_integer, ["12", "1,200", "3.0", " 7 ", "-2", "2.5", "x", None]) == [
        12,
        1200,
        3,
        7,
        -2,
        None,
        None,
        None,
    ]
    assert evaluate(parse_integer, [2.0, 2.5], pa.float64()) == [2, None]
    assert evaluate(parse_integer, [5], pa.int32()) == [5]


def test_booleans(evaluate: Any) -> None:
    values = ["Yes", "n", "TRUE", "0", "是", "否", "on", "maybe", None]
    assert evaluate(parse_boolean, values) == [True, False, True, False, True, False, True, None, None]
    assert evaluate(parse_boolean, [0, 2], pa.int64()) == [False, True]


def test_json_text_is_kept_and_other_text_is_not(evaluate: Any) -> None:
    assert evaluate(parse_json, ['{"a": 1}', " [1, 2] ", "plain", None]) == ['{"a": 1}', "[1, 2]", None, None]


def test_registry() -> None:
    assert {"datetime", "date", "money", "number", "integer", "boolean", "phone", "json"} <= set(
        parser_names()
    )
    register_parser(Parser("test_shout", lambda value, policy: value.upper(), ("string",)), replace=True)
    t = ibis.memtable(pa.table({"v": ["hi"]}))
    assert get_parser("test_shout").function(t.v, ParsePolicy()).to_pyarrow().to_pylist() == ["HI"]
    with pytest.raises(ConfigError, match="exists already"):
        register_parser(Parser("money", lambda value, policy: value, ("float64",)))
    with pytest.raises(ConfigError, match="there is no parser 'nope'; the parsers are"):
        get_parser("nope")


def test_parsers_refuse_nested_values() -> None:
    t = ibis.memtable(pa.table({"v": [{"a": 1}]}))
    with pytest.raises(ConfigError, match="cannot be parsed as a number"):
        parse_number(t.v)


def test_compiles_for_spark(spark_sql: Any) -> None:
    t = ibis.table({"v": "string"}, name="t")
    policy = ParsePolicy(rates={"USD": 7.2})
    columns = {
        name: get_parser(name).function(t.v, policy) for name in ("number", "integer", "boolean", "json")
    }
    assert "SELECT" in spark_sql(t.select(**columns))
