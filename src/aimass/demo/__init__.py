"""The demo world: a synthetic retailer with known ground truth, and messy raw exports of it.

``generate_world`` builds the clean canonical tables and the truth in memory; ``generate`` also writes
what a real company would hand over (``exports/``: a CSV of orders with mixed formats, a CRM workbook,
an event log, a product feed, campaign exposures and product images), the truth (``truth/``) and the
workspace configuration. ``create_demo_api`` / ``serve_api`` serve the campaigns over HTTP.
``planted_report`` sets the problems the exports plant (``truth/planted.json``) beside what the
pipeline found and fixed.

Examples
--------
>>> from aimass.demo import generate_world
>>> world = generate_world(500, seed=3)
>>> sorted(world.tables())
['campaigns', 'customers', 'events', 'exposures', 'orders', 'products']
"""

from __future__ import annotations

from aimass.demo._api import create_demo_api, serve_api
from aimass.demo._planted import planted_report, read_planted
from aimass.demo._world import GENERATE_STAGES, DemoSource, DemoTruth, DemoWorld, generate, generate_world

__all__ = [
    "GENERATE_STAGES",
    "DemoSource",
    "DemoTruth",
    "DemoWorld",
    "create_demo_api",
    "generate",
    "generate_world",
    "planted_report",
    "read_planted",
    "serve_api",
]
