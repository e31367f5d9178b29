"""``aimass analyze basket``."""

from __future__ import annotations

from typing import Annotated

import typer

from aimass.cli._common import JsonOption, WorkspaceOption

__all__ = ["basket_command", "register"]


def basket_command(
    min_support: Annotated[
        float | None, typer.Option("--min-support", help="Minimum share of orders (product rules per order).")
    ] = None,
    customer_min_support: Annotated[
        float | None,
        typer.Option(
            "--customer-min-support", help="Minimum share of customers (product rules per customer)."
        ),
    ] = None,
    category_min_support: Annotated[
        float | None,
        typer.Option("--category-min-support", help="Minimum share of orders (category rules)."),
    ] = None,
    category_item: Annotated[
        str | None,
        typer.Option(
            "--category-item", help="Product column of the category rules (subcategory, category ...)."
        ),
    ] = None,
    parent_item: Annotated[
        str | None,
        typer.Option("--parent-item", help="Product column that decides whether a rule crosses categories."),
    ] = None,
    max_len: Annotated[int | None, typer.Option("--max-len", help="Largest itemset (2-6).")] = None,
    min_confidence: Annotated[
        float | None, typer.Option("--min-confidence", help="Smallest confidence of a rule kept.")
    ] = None,
    min_lift: Annotated[
        float | None, typer.Option("--min-lift", help="Smallest lift of a rule kept.")
    ] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Association rules per order, per customer, between categories: writes mart.basket_rules."""
    from aimass.cli._analyze_common import run_analysis

    run_analysis(
        "basket",
        {
            "min_support": min_support,
            "customer_min_support": customer_min_support,
            "category_min_support": category_min_support,
            "category_item": category_item,
            "parent_item": parent_item,
            "max_len": max_len,
            "min_confidence": min_confidence,
            "min_lift": min_lift,
        },
        workspace=workspace,
        as_json=as_json,
        preview="mart.basket_rules",
    )


def register(app: typer.Typer) -> None:
    """Add ``aimass analyze basket`` to the ``analyze`` group."""
    app.command("basket")(basket_command)
