"""Small SVG charts drawn by hand, embedded inline in the reports (no JavaScript, no CDN).

Every function returns a :class:`markupsafe.Markup` string: the SVG markup is trusted, every piece of
text that came from the data (labels, column names) is escaped on the way in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["bar_chart", "format_number", "heat_map", "histogram"]

_BAR = "#3b6ea5"
_AXIS = "#667085"
_FONT = "font-family:Helvetica,Arial,sans-serif"


def format_number(value: object, digits: int = 4) -> str:
    """A number as a person reads it: ``1,234``, ``0.1235``, ``1.2e+09``; other values as text.

    Examples
    --------
    >>> format_number(1234567)
    '1,234,567'
    >>> format_number(0.123456)
    '0.1235'
    >>> format_number(None)
    '—'
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 1e9 or abs(value) < 1e-4:
            return f"{value:.{digits - 1}e}"
        return f"{value:,.{digits}g}" if abs(value) >= 1 else f"{value:.{digits}g}"
    return str(value)


def _label(text: object, limit: int = 22) -> str:
    shown = str(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def bar_chart(
    labels: Sequence[object],
    values: Sequence[float],
    *,
    width: int = 420,
    title: str = "",
    percent: bool = False,
) -> Markup:
    """Horizontal bars, one per label, longest value full width (top values, missing per column).

    Parameters
    ----------
    labels : sequence
        One label per bar, shown at its left (escaped, shortened to 22 characters).
    values : sequence of float
        Bar lengths; negative values are drawn as zero.
    width : int, default 420
        Width of the drawing in pixels.
    title : str, default ""
        Accessible title of the chart.
    percent : bool, default False
        Values are percentages: written as ``12.3%`` at the end of each bar.

    Returns
    -------
    markupsafe.Markup
        An ``<svg>`` element.
    """
    row, label_width, value_width = 18, 150, 70
    height = max(row * len(values), row) + 4
    top = max((float(v) for v in values), default=0.0) or 1.0
    span = width - label_width - value_width
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = index * row + 2
        length = max(float(value), 0.0) / top * span
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="11" style="{_FONT}">'
            f"{escape(_label(label))}</text>"
            f'<rect x="{label_width}" y="{y + 2}" width="{length:.1f}" height="{row - 5}" fill="{_BAR}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 13}" font-size="11" fill="{_AXIS}" '
            f'style="{_FONT}">{escape(f"{float(value):.1f}%" if percent else format_number(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(
    edges: Sequence[float], counts: Sequence[float], *, width: int = 420, height: int = 150, title: str = ""
) -> Markup:
    """Vertical bars between consecutive ``edges`` (``len(edges) == len(counts) + 1``).

    Parameters
    ----------
    edges : sequence of float
        Bin edges, increasing.
    counts : sequence of float
        Rows per bin.
    width, height : int
        Size of the drawing in pixels.
    title : str, default ""
        Accessible title of the chart.

    Returns
    -------
    markupsafe.Markup
        An ``<svg>`` element (an empty one when there are no bins).
    """
    left, bottom, top_pad = 44, 20, 6
    plot_w, plot_h = width - left - 6, height - bottom - top_pad
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}</title>'
    ]
    n_bins = len(counts)
    if n_bins and len(edges) == n_bins + 1:
        peak = max(float(c) for c in counts) or 1.0
        bar_w = plot_w / n_bins
        for index, count in enumerate(counts):
            bar_h = float(count) / peak * plot_h
            x = left + index * bar_w
            parts.append(
                f'<rect x="{x + 0.5:.1f}" y="{top_pad + plot_h - bar_h:.1f}" '
                f'width="{max(bar_w - 1, 0.5):.1f}" height="{bar_h:.1f}" fill="{_BAR}">'
                f"<title>{escape(format_number(edges[index]))} – "
                f"{escape(format_number(edges[index + 1]))}: {escape(format_number(count))}</title></rect>"
            )
        base = top_pad + plot_h
        parts.append(
            f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{_AXIS}"/>'
            f'<text x="{left}" y="{height - 5}" font-size="10" fill="{_AXIS}" style="{_FONT}">'
            f"{escape(format_number(edges[0]))}</text>"
            f'<text x="{left + plot_w}" y="{height - 5}" font-size="10" text-anchor="end" fill="{_AXIS}" '
            f'style="{_FONT}">{escape(format_number(edges[-1]))}</text>'
            f'<text x="{left - 4}" y="{top_pad + 9}" font-size="10" text-anchor="end" fill="{_AXIS}" '
            f'style="{_FONT}">{escape(format_number(peak))}</text>'
            f'<text x="{left - 4}" y="{base}" font-size="10" text-anchor="end" fill="{_AXIS}" '
            f'style="{_FONT}">0</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _cell_colour(value: float | None) -> str:
    """Blue for positive, red for negative, white at zero, grey when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "#eeeeee"
    strength = min(abs(float(value)), 1.0)
    fade = round(255 - strength * 150)
    return f"rgb({fade},{fade},255)" if value >= 0 else f"rgb(255,{fade},{fade})"


def heat_map(
    columns: Sequence[object], matrix: Sequence[Sequence[float | None]], *, title: str = ""
) -> Markup:
    """A correlation matrix as coloured cells with the value written in each (-1 red … +1 blue).

    Parameters
    ----------
    columns : sequence
        Column names, for both axes (escaped).
    matrix : sequence of sequence of float or None
        ``matrix[i][j]`` is the correlation of ``columns[i]`` with ``columns[j]``.
    title : str, default ""
        Accessible title of the chart.

    Returns
    -------
    markupsafe.Markup
        An ``<svg>`` element.
    """
    cell = 34
    longest = max((len(_label(name, 18)) for name in columns), default=1)
    label_width = min(130, 14 + 6 * longest)
    top = min(130, 14 + round(5.5 * longest))
    size = len(columns)
    width = label_width + cell * size + 4
    height = top + cell * size + 4
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{escape(title)}</title>'
    ]
    for index, name in enumerate(columns):
        y = top + index * cell + cell / 2 + 4
        x = label_width + index * cell + cell / 2 + 4
        parts.append(
            f'<text x="{label_width - 6}" y="{y:.1f}" text-anchor="end" font-size="11" style="{_FONT}">'
            f"{escape(_label(name, 18))}</text>"
            f'<text transform="translate({x:.1f},{top - 6}) rotate(-60)" font-size="11" '
            f'style="{_FONT}">{escape(_label(name, 18))}</text>'
        )
    for i, line in enumerate(matrix):
        for j, value in enumerate(line):
            x, y = label_width + j * cell, top + i * cell
            shown = "" if value is None else f"{float(value):.2f}"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{_cell_colour(value)}"/>'
                f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2 + 4:.1f}" text-anchor="middle" '
                f'font-size="10" style="{_FONT}">{shown}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
