"""Text normalizers: NFKC, squish, emails (normalization and validity), as transforms and as a parser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aimass.prepare import (
    get_parser,
    get_transform,
    is_valid_email,
    nfkc,
    normalize_email,
    parse_email,
    squish,
)
from aimass.prepare._parsers import ParsePolicy

NFKC_CASES = [
    ("ＡＢＣ　１２３", "ABC 123"),  # full-width letters, digits and the ideographic space
    ("ﬁnance", "finance"),  # ligature
    ("①②", "12"),  # circled digits
    ("ｶﾀｶﾅ", "カタカナ"),  # half-width katakana to full-width
    ("Cafe\u0301", "Café"),  # decomposed accent composed
    ("plain", "plain"),
    (None, None),
]

EMAIL_CASES: list[tuple[str | None, str | None, bool | None]] = [
    # raw, normalized, valid
    ("  Wei.Zhang1@Example.COM ", "wei.zhang1@example.com", True),
    ("li.na+promo@mail.example.cn", "li.na+promo@mail.example.cn", True),
    ("LI.NA2@EXAMPLE.COM", "li.na2@example.com", True),
    ("a..b@example.com", "a..b@example.com", False),
    (".ab@example.com", ".ab@example.com", False),
    ("ab.@example.com", "ab.@example.com", False),
    ("ab@example", "ab@example", False),
    ("ab@@example.com", "ab@@example.com", False),
    ("a b@example.com", "a b@example.com", False),
    ("ab@-example.com", "ab@-example.com", False),
    ("ab@example.c", "ab@example.c", False),
    ("   ", None, None),
    (None, None, None),
]


def test_nfkc(evaluate: Callable[..., list[Any]]) -> None:
    assert evaluate(nfkc, [case[0] for case in NFKC_CASES]) == [case[1] for case in NFKC_CASES]


def test_squish(evaluate: Callable[..., list[Any]]) -> None:
    got = evaluate(squish, ["  a \t b  ", "\u00a0x\u3000\u3000y\u00a0", "", None])
    assert got == ["a b", "x y", "", None]


def test_email_normalization_and_validity(evaluate: Callable[..., list[Any]]) -> None:
    raws = [case[0] for case in EMAIL_CASES]
    assert evaluate(normalize_email, raws) == [case[1] for case in EMAIL_CASES]
    assert evaluate(is_valid_email, raws) == [case[2] for case in EMAIL_CASES]
    expected = [case[1] if case[2] else None for case in EMAIL_CASES]
    assert evaluate(parse_email, raws) == expected


def test_registered_as_transforms_and_parser(evaluate: Callable[..., list[Any]]) -> None:
    assert evaluate(get_transform("nfkc"), ["ＡＢ"]) == ["AB"]
    assert evaluate(get_transform("email"), [" X@Y.CN "]) == ["x@y.cn"]
    assert evaluate(get_transform("squish"), [" a  b "]) == ["a b"]
    parser = get_parser("email")
    assert parser.fills == ("string",)
    assert evaluate(lambda v: parser.function(v, ParsePolicy()), [" X@Y.CN ", "nope"]) == ["x@y.cn", None]
