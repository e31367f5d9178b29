"""HTML -> PDF with WeasyPrint (needs Debian's pango: ``libpango-1.0-0 libpangoft2-1.0-0``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    from aimass.report._health import HealthReport

__all__ = ["render_pdf", "write_health_pdf"]


def render_pdf(html: str) -> bytes:
    """Typeset a self-contained HTML page as PDF.

    Parameters
    ----------
    html : str
        The page; it must not need the network (our pages never do, and no base URL is given).

    Returns
    -------
    bytes
        The PDF document.

    Raises
    ------
    ConfigError
        When WeasyPrint or the pango libraries it needs are not installed.
    """
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as error:  # OSError: the pango shared libraries are missing
        raise ConfigError(
            f"PDF reports need WeasyPrint and pango ({error}); run `pip install 'weasyprint>=66,<71'` and "
            "`apt-get install libpango-1.0-0 libpangoft2-1.0-0`"
        ) from error
    document: bytes = weasyprint.HTML(string=html).write_pdf()
    return document


def write_health_pdf(report: HealthReport, path: str | Path) -> Path:
    """Write the data-health report as PDF to ``path`` (its folder is created) and return the path."""
    from aimass.report._html import render_health_html

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(render_pdf(render_health_html(report)))
    return target
