"""Categorical harmonization from synonym tables, and the report of values no entry matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import pytest

from aimass.exceptions import ConfigError
from aimass.prepare import UnmappedValue, harmonize, synonym_key, synonym_lookup, unmapped_values

GENDER = {"male": ["M", "男", "man"], "female": ["F", "女", "woman"]}

CASES = [
    ("M", "male"),
    ("m", "male"),
    ("male", "male"),
    ("Male ", "male"),
    ("  MALE", "male"),
    ("男", "male"),
    ("ｍａｌｅ", "male"),  # full-width
    ("F", "female"),
    ("女", "female"),
    ("Woman", "female"),
    ("x", "x"),  # unmapped: kept as it is
    (" Unknown ", " Unknown "),
    ("", ""),
    (None, None),
]


def test_harmonize(evaluate: Callable[..., list[Any]]) -> None:
    got = evaluate(lambda v: harmonize(v, GENDER), [case[0] for case in CASES])
    assert got == [case[1] for case in CASES]


def test_multi_word_variants_ignore_inner_spacing(evaluate: Callable[..., list[Any]]) -> None:
    table = {"organic_search": ["organic search", "SEO"]}
    got = evaluate(lambda v: harmonize(v, table), ["Organic   Search", "seo", " organic_search "])
    assert got == ["organic_search"] * 3


def test_python_key_matches_the_engine_key() -> None:
    assert synonym_key("  Organic \u3000 Search ") == "organic search"
    assert synonym_key("ＭＡＬＥ") == "male"


def test_unmapped_values_are_counted() -> None:
    t = ibis.memtable({"g": ["M", "x", "x", "y", None, "", "女", "x"]})
    total, values = unmapped_values(t, "g", GENDER)
    assert total == 4
    assert values == [UnmappedValue("x", 3), UnmappedValue("y", 1)]
    assert unmapped_values(t, "g", GENDER, limit=1)[1] == [UnmappedValue("x", 3)]
    assert unmapped_values(t, "g", {"x": ["y"], "male": ["M"], "female": ["女"]}) == (0, [])


def test_conflicting_or_empty_tables_are_refused() -> None:
    with pytest.raises(ConfigError, match="'m' is listed under both 'male' and 'maybe'"):
        synonym_lookup({"male": ["M"], "maybe": ["m"]})
    with pytest.raises(ConfigError, match="empty"):
        synonym_lookup({})
