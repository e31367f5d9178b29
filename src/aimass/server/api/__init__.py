"""The versioned HTTP API: one router per resource."""

from __future__ import annotations

from aimass.server.api import docs, health, runs, tables

__all__ = ["docs", "health", "runs", "tables"]
