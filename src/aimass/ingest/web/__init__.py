"""The web source (the "crawler import"): HTML tables and repeated records from pages into a raw table.

Same shape as every source package: ``config`` (the ``sources.yaml`` entry), ``source`` (the
polite crawler and the load), ``errors`` (failures worded for the user, transient or terminal),
plus ``extract`` (rows out of one page).
"""

from __future__ import annotations

from aimass.ingest.web.config import WebSourceConfig
from aimass.ingest.web.extract import extract_records, extract_tables, parse_page
from aimass.ingest.web.source import DEFAULT_USER_AGENT, Crawl, crawl_pages, ingest_web, web_rows

#: The config model ``sources.yaml`` entries of ``kind: web`` are read with.
CONFIG = WebSourceConfig

__all__ = [
    "CONFIG",
    "DEFAULT_USER_AGENT",
    "Crawl",
    "WebSourceConfig",
    "crawl_pages",
    "extract_records",
    "extract_tables",
    "ingest_web",
    "parse_page",
    "web_rows",
]
