"""Packages whose public names are imported on first use (PEP 562), so importing one submodule
does not import every sibling and its dependencies."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, names: Mapping[str, tuple[str, str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a package with lazily imported names.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (it must be importing, i.e. in ``sys.modules``).
    names : mapping of str to (str, str)
        Public name -> (module, attribute) it is imported from on first use; afterwards it is a
        plain attribute of the package.

    Returns
    -------
    (__getattr__, __dir__)
        Assign both at the package's top level.
    """
    module = sys.modules[package]

    def get(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(target[0]), target[1])
        setattr(module, name, value)
        return value

    def listing() -> list[str]:
        return sorted({*vars(module), *names})

    return get, listing
