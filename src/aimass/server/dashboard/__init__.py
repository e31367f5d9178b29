"""The dashboard: server-rendered pages (no JavaScript, no CDN) over the same library calls as the API."""

from __future__ import annotations

from aimass.server.dashboard._templates import PRODUCT, STATIC_DIR, TEMPLATES_DIR, render, templates
from aimass.server.dashboard.router import LoginDep, router

__all__ = ["PRODUCT", "STATIC_DIR", "TEMPLATES_DIR", "LoginDep", "render", "router", "templates"]
