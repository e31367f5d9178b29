"""The dashboard's Jinja2 environment: autoescaping on for every template, a few display filters."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from aimass import __version__

__all__ = ["PRODUCT", "SECURITY_HEADERS", "STATIC_DIR", "TEMPLATES_DIR", "render", "templates"]

PRODUCT = "AI Mass"
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
#: Sent with every page: no scripts at all, styles and forms only from this server, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else str(value)


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _inline_code(text: Any) -> markupsafe.Markup:
    """Escape ``text``, then show its `backticked` parts as code (OpenAPI descriptions are Markdown)."""
    escaped = str(markupsafe.escape("" if text is None else text))
    return markupsafe.Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every template, whatever its name: nothing from the warehouse is trusted
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters.update(
    number=_number, when=_when, duration=_duration, cell=_cell, inline_code=_inline_code
)
templates = Jinja2Templates(env=_environment)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a dashboard template with the values every page uses.

    Parameters
    ----------
    request : Request
        The request being answered.
    name : str
        The template file, e.g. ``"home.html"``.
    context : dict, optional
        The page's own values; ``base`` (the mount prefix), ``product``, ``version`` and ``user``
        (the logged-in key, or None) are added unless given.
    status_code : int, default 200
        The HTTP status.
    headers : dict, optional
        Extra response headers.
    """
    values: dict[str, Any] = {
        "base": str(request.scope.get("root_path", "")).rstrip("/"),
        "product": PRODUCT,
        "version": __version__,
        "user": None,
        "title": PRODUCT,
    }
    values.update(context or {})
    response = templates.TemplateResponse(request, name, values, status_code=status_code, headers=headers)
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    return response
