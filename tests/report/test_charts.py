"""The hand-drawn SVG charts: geometry by hand calculation, and escaping."""

from __future__ import annotations

import re

from aimass.report import bar_chart, heat_map, histogram


def _widths(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svg)]


def test_bar_lengths_are_proportional() -> None:
    # width 420 - label 150 - value 70 = 200 px for the longest bar
    svg = str(bar_chart(["a", "b", "c"], [10, 5, 0], width=420))
    assert _widths(svg) == [200.0, 100.0, 0.0]


def test_histogram_heights_follow_counts() -> None:
    svg = str(histogram([0, 1, 2], [4, 2], height=150))
    heights = [float(h) for h in re.findall(r'height="([\d.]+)" fill', svg)]
    # plot height = 150 - 20 (axis) - 6 (top) = 124; half the peak is 62
    assert heights == [124.0, 62.0]
    assert str(histogram([], [])).count("<rect") == 0


def test_heat_map_colours_sign_and_escapes_names() -> None:
    svg = str(heat_map(["<b>", "y"], [[1.0, -1.0], [None, 0.0]]))
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    fills = re.findall(r'fill="(rgb\([^)]*\)|#[0-9a-f]+)"', svg)
    assert fills == ["rgb(105,105,255)", "rgb(255,105,105)", "#eeeeee", "rgb(255,255,255)"]
