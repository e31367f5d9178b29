"""Rows out of one HTML page: every ``<table>`` (colspan and rowspan laid out), or repeated records.

Cell values stay text (whitespace collapsed); typing numbers and dates is the prepare step's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

__all__ = ["PageData", "extract_links", "extract_records", "extract_tables", "parse_page"]

_SPACE = re.compile(r"\s+")
#: Spans larger than this are clipped, so a typo such as ``colspan="9999"`` cannot blow up a row.
_MAX_SPAN = 1000

Rows = list[dict[str, str | None]]


class PageData:
    """A parsed page: its tables, records and links, found once.

    Parameters
    ----------
    html : str
        The page's text.
    """

    def __init__(self, html: str) -> None:
        from selectolax.lexbor import LexborHTMLParser

        self.tree = LexborHTMLParser(html)


def parse_page(html: str) -> PageData:
    """Parse ``html`` once for :func:`extract_tables`, :func:`extract_records` and :func:`extract_links`."""
    return PageData(html)


def _text(node: LexborNode) -> str:
    return _SPACE.sub(" ", node.text(deep=True, separator=" ")).strip()


def _span(node: LexborNode, name: str) -> int:
    value = (node.attributes.get(name) or "1").strip()
    try:
        return max(1, min(int(value), _MAX_SPAN))
    except ValueError:
        return 1


def _own_rows(table: LexborNode) -> list[LexborNode]:
    """The ``<tr>`` of this table, not those of tables nested in its cells."""
    rows: list[LexborNode] = []
    for child in table.iter():
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(grand for grand in child.iter() if grand.tag == "tr")
    return rows


def _grid(rows: list[LexborNode]) -> tuple[list[list[str]], list[bool]]:
    """Lay the rows out on a grid: a cell with colspan/rowspan fills every slot it covers.

    Returns the grid and, per row, whether all of its own cells are ``<th>``.
    """
    grid: list[list[str]] = []
    header_like: list[bool] = []
    pending: dict[tuple[int, int], str] = {}  # (row, column) -> text from a rowspan above
    for row_index, row in enumerate(rows):
        cells = [cell for cell in row.iter() if cell.tag in ("td", "th")]
        header_like.append(bool(cells) and all(cell.tag == "th" for cell in cells))
        line: list[str] = []
        column = 0
        for cell in cells:
            while (row_index, column) in pending:
                line.append(pending.pop((row_index, column)))
                column += 1
            text, width, height = _text(cell), _span(cell, "colspan"), _span(cell, "rowspan")
            for offset in range(width):
                line.append(text)
                for below in range(1, height):
                    pending[(row_index + below, column + offset)] = text
            column += width
        while (row_index, column) in pending:
            line.append(pending.pop((row_index, column)))
            column += 1
        grid.append(line)
    return grid, header_like


def _column_names(header_rows: list[list[str]], width: int) -> list[str]:
    """One name per column: the header rows' texts joined (spanned parts once), blanks and repeats fixed."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for column in range(width):
        parts: list[str] = []
        for row in header_rows:
            part = row[column] if column < len(row) else ""
            if part and part not in parts:
                parts.append(part)
        name = " ".join(parts) or f"column_{column + 1}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        names.append(name if count == 1 else f"{name}_{count}")
    return names


def extract_tables(page: PageData) -> list[Rows]:
    """Every ``<table>`` of the page as rows keyed by its header, in page order.

    The header is the ``<thead>`` rows, else the leading rows made only of ``<th>`` cells; a table
    without one gets ``column_1``, ``column_2``... Empty tables are left out.

    Examples
    --------
    >>> html = '''<table><tr><th>city</th><th colspan="2">sales</th></tr>
    ...   <tr><td rowspan="2">Lyon</td><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>'''
    >>> extract_tables(parse_page(html))
    [[{'city': 'Lyon', 'sales': '1', 'sales_2': '2'}, {'city': 'Lyon', 'sales': '3', 'sales_2': '4'}]]
    """
    tables: list[Rows] = []
    for table in page.tree.css("table"):
        rows = _own_rows(table)
        grid, header_like = _grid(rows)
        head = [
            index for index, row in enumerate(rows) if row.parent is not None and row.parent.tag == "thead"
        ]
        if not head:
            while len(head) < len(rows) and header_like[len(head)]:
                head.append(len(head))
        body = [line for index, line in enumerate(grid) if index not in head and any(line)]
        if not body:
            continue
        width = max(len(line) for line in grid)
        names = _column_names([grid[index] for index in head], width)
        tables.append(
            [{name: (line[i] if i < len(line) else None) for i, name in enumerate(names)} for line in body]
        )
    return tables


def _field(node: LexborNode, selector: str) -> str | None:
    """The text of the first match of ``selector`` in ``node``; ``sel@attr`` takes an attribute."""
    css, _, attribute = selector.partition("@")
    found = node.css_first(css.strip()) if css.strip() else node
    if found is None:
        return None
    if attribute:
        value = found.attributes.get(attribute.strip())
        return None if value is None else value.strip()
    return _text(found)


def extract_records(page: PageData, records: str, fields: Mapping[str, str]) -> Rows:
    """One row per element matching ``records``, one column per entry of ``fields``.

    Parameters
    ----------
    page : PageData
    records : str
        CSS selector of the repeated element, e.g. ``"div.product"``.
    fields : mapping of str to str
        Column name -> CSS selector inside the element; ``"a@href"`` takes the attribute, ``"@id"``
        the element's own. A field that does not match is null. When empty, the element's text is
        the column ``text``.

    Raises
    ------
    ConfigError
        When a selector is not valid CSS.

    Examples
    --------
    >>> page = parse_page(
    ...     '<div class="p"><h2>Tea</h2><a href="/t">x</a></div><div class="p"><h2>Jam</h2></div>'
    ... )
    >>> extract_records(page, "div.p", {"name": "h2", "link": "a@href"})
    [{'name': 'Tea', 'link': '/t'}, {'name': 'Jam', 'link': None}]
    """
    try:
        nodes = page.tree.css(records)
        return [
            {name: _field(node, selector) for name, selector in fields.items()}
            if fields
            else {"text": _text(node)}
            for node in nodes
        ]
    except ValueError as error:
        raise ConfigError(
            f"a records or fields selector is not valid CSS ({error}): {records!r}, {dict(fields)}"
        ) from None


def extract_links(page: PageData) -> list[str]:
    """The ``href`` of every ``<a>``, in page order (as written, not yet joined to the page URL)."""
    links: list[str] = []
    for anchor in page.tree.css("a[href]"):
        href = (anchor.attributes.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:")):
            links.append(href)
    return links
