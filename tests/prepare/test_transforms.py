"""Cleaning transforms, the transform registry, and hashing equal to Python's hashlib."""

from __future__ import annotations

import hashlib
from typing import Any

import ibis
import pyarrow as pa
import pytest

from aimass.exceptions import ConfigError
from aimass.prepare import get_transform, register_transform, sha256, transform_names


def test_builtin_transforms(evaluate: Any) -> None:
    values = ["  Mixed Case\u3000", "\u00a0x y  z ", "", None]
    assert evaluate(get_transform("trim"), values) == ["Mixed Case", "x y  z", "", None]
    assert evaluate(get_transform("lower"), values[:1]) == ["  mixed case\u3000"]
    assert evaluate(get_transform("upper"), [" f"]) == [" F"]
    assert evaluate(get_transform("collapse_spaces"), ["a  b\t\tc"]) == ["a b c"]
    assert evaluate(get_transform("empty_to_null"), ["", "x"]) == [None, "x"]
    assert evaluate(get_transform("digits"), ["+86 138-1234"]) == ["861381234"]
    assert evaluate(get_transform("halfwidth"), ["ＡＢＣ１２３！\u3000ｘ"]) == ["ABC123! x"]


def test_transforms_accept_numbers(evaluate: Any) -> None:
    assert evaluate(get_transform("trim"), [7, None], pa.int64()) == ["7", None]
    assert evaluate(get_transform("trim"), [13812345678.0, 1.5], pa.float64()) == ["13812345678", "1.5"]


def test_sha256_equals_hashlib(evaluate: Any) -> None:
    values = ["wei.zhang1@example.com", "+8613812345678", "客户", "", None]
    expected = [None if v is None else hashlib.sha256(v.encode("utf-8")).hexdigest() for v in values]
    assert evaluate(sha256, values) == expected


def test_email_cleaning_then_hash(evaluate: Any) -> None:
    def clean(value: Any) -> Any:
        return sha256(get_transform("lower")(get_transform("trim")(value)))

    got = evaluate(clean, ["  Wei.Zhang1@Example.COM ", "wei.zhang1@example.com"])
    assert got == [hashlib.sha256(b"wei.zhang1@example.com").hexdigest()] * 2


def test_registry_takes_new_transforms_and_refuses_bad_names(evaluate: Any) -> None:
    register_transform("test_no_dashes", lambda value: value.replace("-", ""), replace=True)
    assert "test_no_dashes" in transform_names()
    assert evaluate(get_transform("test_no_dashes"), ["a-b-c"]) == ["abc"]
    with pytest.raises(ConfigError, match="exists already"):
        register_transform("trim", lambda value: value)
    with pytest.raises(ConfigError, match="lower case letters"):
        register_transform("Bad Name", lambda value: value)
    with pytest.raises(ConfigError, match="there is no clean transform 'nope'; the transforms are"):
        get_transform("nope")


def test_nested_values_have_no_text() -> None:
    t = ibis.memtable(pa.table({"v": [{"a": 1}]}))
    with pytest.raises(ConfigError, match="name one of its fields"):
        get_transform("trim")(t.v)


def test_compiles_for_spark(spark_sql: Any) -> None:
    t = ibis.table({"v": "string"}, name="t")
    sql = spark_sql(
        t.select(*(get_transform(name)(t.v).name(name) for name in transform_names()), h=sha256(t.v))
    )
    assert "SHA2(" in sql
