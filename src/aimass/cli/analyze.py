"""``aimass analyze``: run one analysis over the canonical tables and write its ``mart.*`` tables."""

from __future__ import annotations

import importlib

import typer

__all__ = ["ANALYZE_MODULES", "app"]

#: One module per analysis; each has ``register(app)`` adding its command to this group.
ANALYZE_MODULES: tuple[str, ...] = tuple(
    f"aimass.cli._analyze_{name}"
    for name in ("rfm", "segments", "clv", "churn", "basket", "cohorts", "forecast", "drivers", "test")
)

app = typer.Typer(
    help="Analyses of the canonical tables (each writes mart.* tables and a meta.runs row).",
    no_args_is_help=True,
)

for _name in ANALYZE_MODULES:
    importlib.import_module(_name).register(app)
