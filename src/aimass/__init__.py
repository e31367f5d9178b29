"""AI Mass: an open customer-intelligence platform.

Turns a company's raw business data into decisions and serves them: a data analysis platform, an
intelligent marketing tool and a real-time smart terminal, on one data platform.
"""

from __future__ import annotations

from aimass.exceptions import AimassError, ConfigError, SchemaError, WorkspaceNotFoundError
from aimass.settings import Settings
from aimass.workspace import Workspace

__all__ = [
    "AimassError",
    "ConfigError",
    "SchemaError",
    "Settings",
    "Workspace",
    "WorkspaceNotFoundError",
    "__version__",
]

__version__ = "0.1.0"
