"""Phone numbers to E.164 (``+8613812345678``), as portable Ibis expressions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

import ibis
import ibis.expr.datatypes as dt

from aimass.exceptions import ConfigError
from aimass.prepare._transforms import SPACES, as_text
from aimass.prepare._typing import PhoneRegion

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["PHONE_REGIONS", "normalize_phone"]


@dataclass(frozen=True)
class _Plan:
    """How one region writes national numbers: country code, trunk prefix, national number pattern."""

    country_code: str
    trunk: str
    national: str


#: The regions :func:`normalize_phone` knows, with their national number patterns (without trunk prefix).
PHONE_REGIONS: dict[str, _Plan] = {
    "CN": _Plan("86", "0", r"1[3-9]\d{9}|(?:10|2\d|[3-9]\d{2})\d{7,8}"),
    "HK": _Plan("852", "", r"[2-9]\d{7}"),
    "TW": _Plan("886", "0", r"9\d{8}|[2-8]\d{7,8}"),
    "SG": _Plan("65", "", r"[3689]\d{7}"),
    "JP": _Plan("81", "0", r"[1-9]\d{8,9}"),
    "KR": _Plan("82", "0", r"1\d{8,9}|[2-6]\d{7,9}"),
    "US": _Plan("1", "1", r"[2-9]\d{2}[2-9]\d{6}"),
    "GB": _Plan("44", "0", r"[1-9]\d{8,9}"),
    "DE": _Plan("49", "0", r"[1-9]\d{5,13}"),
    "FR": _Plan("33", "0", r"[1-9]\d{8}"),
}
assert set(PHONE_REGIONS) == set(get_args(PhoneRegion))

_SEPARATORS = f"[{SPACES}\\-().·/]"


def normalize_phone(value: ir.Value, region: str = "CN") -> ir.StringValue:
    """Write phone numbers in E.164: ``+`` country code and national number, digits only.

    Spaces, dashes, dots and parentheses are ignored. A number starting with ``+`` or ``00`` is
    international (7 to 15 digits); otherwise it is read as a national number of ``region``
    (with or without its trunk prefix, e.g. the ``0`` of ``010 1234 5678``, or with the country
    code but no ``+``). Numbers that fit neither give null. Numeric columns (spreadsheets) are
    read as their digits.

    Parameters
    ----------
    value : ibis.expr.types.Value
        The phone column.
    region : str, default "CN"
        Region of numbers written without a country code; one of :data:`PHONE_REGIONS`.

    Returns
    -------
    ibis.expr.types.StringValue
        E.164 numbers, or null.

    Raises
    ------
    ConfigError
        When ``region`` is not known.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"p": ["138 1234 5678", "+86 13812345678", "13812345678", "010-12345678", "123"]})
    >>> normalize_phone(t.p).to_pyarrow().to_pylist()
    ['+8613812345678', '+8613812345678', '+8613812345678', '+861012345678', None]
    """
    if region not in PHONE_REGIONS:
        raise ConfigError(f"phone region {region!r} is not known; the regions are {', '.join(PHONE_REGIONS)}")
    plan = PHONE_REGIONS[region]
    digits = as_text(value).re_replace(_SEPARATORS, "")
    national = f"^(?:{plan.national})$"
    trunk = f"^{plan.trunk}(?:{plan.national})$" if plan.trunk else None
    with_code = f"^{plan.country_code}(?:{plan.national})$"
    branches: list[tuple[ir.BooleanValue, ir.StringValue]] = [
        (digits.re_search(r"^\+[1-9]\d{6,14}$"), digits),
        (digits.re_search(r"^00[1-9]\d{6,14}$"), "+" + digits.substr(2)),
        (digits.re_search(national), f"+{plan.country_code}" + digits),
    ]
    if trunk is not None:
        branches.append((digits.re_search(trunk), f"+{plan.country_code}" + digits.substr(len(plan.trunk))))
    branches.append((digits.re_search(with_code), "+" + digits))
    return ibis.cases(*branches, else_=ibis.null(dt.string))
