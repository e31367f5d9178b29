"""HTML renderers: a table's profile page and the workspace's data-health report.

Both pages are self-contained: the CSS is inline, the charts are inline SVG, there is no script and no
external URL, so a page opens offline and prints (and converts to PDF) as it looks. Templates are
Jinja2 with autoescaping, so text from the data (column names, values) can never become markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from aimass.report._charts import bar_chart, format_number, heat_map, histogram

if TYPE_CHECKING:
    import jinja2

    from aimass.report._health import HealthReport

__all__ = ["render_health_html", "render_profile_html"]

#: Column statistics drawn elsewhere on the page (charts, headline), not in the stats list.
_SHOWN_APART = frozenset({"type", "top_values", "histogram", "quantiles"})


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("aimass.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["num"] = format_number
    environment.filters["pct"] = _percent
    environment.filters["cell"] = _cell
    environment.globals.update(
        bar_chart=bar_chart,
        histogram=histogram,
        heat_map=heat_map,
        top_pairs=top_pairs,
        column_stats=column_stats,
        correlation_panels=correlation_panels,
    )
    return environment


def _percent(value: object) -> str:
    """``12.345`` (already a percentage) as ``12.3%``."""
    if not isinstance(value, int | float):
        return "—" if value is None else str(value)
    return f"{float(value):.1f}%"


def _cell(value: object) -> str:
    """A value in a sample-row table: numbers formatted, nested values as JSON, None as ``null``."""
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def top_pairs(top_values: object) -> list[tuple[str, float]]:
    """Top values as ``(value, count)`` pairs, from any of the shapes a profile may use.

    Accepts a list of ``{"value": v, "count": n}`` dicts, a list of ``[v, n]`` pairs, or a
    ``{value: count}`` mapping.

    Examples
    --------
    >>> top_pairs([{"value": "a", "count": 3}, ["b", 2]])
    [('a', 3.0), ('b', 2.0)]
    >>> top_pairs({"x": 1})
    [('x', 1.0)]
    """
    if isinstance(top_values, Mapping):
        return [(_cell(value), float(count or 0)) for value, count in top_values.items()]
    pairs: list[tuple[str, float]] = []
    for item in top_values if isinstance(top_values, list | tuple) else []:
        if isinstance(item, Mapping):
            count = item.get("count", item.get("n", 0))
            pairs.append((_cell(item.get("value")), float(count or 0)))
        elif isinstance(item, list | tuple) and len(item) == 2:
            pairs.append((_cell(item[0]), float(item[1] or 0)))
    return pairs


def column_stats(stats: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The statistics of one column as ``(label, text)`` rows, skipping empty ones.

    Examples
    --------
    >>> column_stats({"type": "numeric", "n_missing": 3, "mean": 2.5, "length": None})
    [('n missing', '3'), ('mean', '2.5')]
    """
    rows: list[tuple[str, str]] = []
    for key, value in stats.items():
        if key in _SHOWN_APART or value is None or value == {} or value == []:
            continue
        label = key.replace("_", " ")
        if isinstance(value, Mapping):
            text = ", ".join(f"{inner}: {_cell(item)}" for inner, item in value.items())
        elif isinstance(value, list | tuple):
            text = ", ".join(_cell(item) for item in value)
        elif key.startswith("pct_"):
            text = _percent(value)
        else:
            text = _cell(value)
        rows.append((label, text))
    quantiles = stats.get("quantiles")
    if isinstance(quantiles, Mapping) and quantiles:
        rows.append(("quantiles", ", ".join(f"{q}: {_cell(v)}" for q, v in quantiles.items())))
    elif isinstance(quantiles, list | tuple) and quantiles:
        rows.append(("quantiles", ", ".join(_cell(v) for v in quantiles)))
    return rows


def correlation_panels(correlations: object) -> list[tuple[str, list[Any], list[list[Any]]]]:
    """``(method, columns, matrix)`` for each correlation method with at least two columns."""
    panels: list[tuple[str, list[Any], list[list[Any]]]] = []
    if not isinstance(correlations, Mapping):
        return panels
    titles = {"pearson": "Pearson", "spearman": "Spearman", "cramers_v": "Cramér's V"}
    for method, block in correlations.items():
        if isinstance(block, Mapping) and len(block.get("columns") or []) >= 2 and block.get("matrix"):
            panels.append((titles.get(method, str(method)), list(block["columns"]), list(block["matrix"])))
    return panels


def render_profile_html(profile: Mapping[str, Any], *, title: str | None = None) -> str:
    """Render a table profile as a self-contained HTML page.

    Parameters
    ----------
    profile : dict
        ``aimass.quality.profile(...).to_dict()``: ``n_rows``, ``n_columns``, ``n_duplicate_rows``,
        ``duplicate_samples``, ``columns`` (name to statistics), ``correlations``, ``alerts``,
        ``size_bytes``; missing keys are shown as absent, not as errors.
    title : str, optional
        Page title (default: the profile's ``table`` or ``source``, else "Profile").

    Returns
    -------
    str
        The HTML page: overview, alerts first, a section per column with its chart, the
        correlation heat maps and the duplicate samples.

    Examples
    --------
    >>> page = render_profile_html({"n_rows": 2, "columns": {"a": {"type": "numeric"}}, "alerts": []})
    >>> page.startswith("<!DOCTYPE html>") and "numeric" in page
    True
    """
    name = title or str(profile.get("table") or profile.get("source") or "Profile")
    return _environment().get_template("profile.html").render(title=name, profile=profile)


def render_health_html(report: HealthReport) -> str:
    """Render the data-health report as a self-contained HTML page (also the PDF's source).

    Parameters
    ----------
    report : HealthReport
        From :func:`aimass.report.build_health_report`.

    Returns
    -------
    str
        Title page, summary of findings, rule results, then one section per raw table.
    """
    return _environment().get_template("health.html").render(report=report)
