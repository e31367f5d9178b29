"""The server: the REST API, the dashboard and API keys.

``create_app(workspace)`` builds the FastAPI application; the key functions work from a notebook
too (``from aimass.server import create_key``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aimass.server.keys import (
    KEY_SCOPES,
    KeyRecord,
    check_scopes,
    create_key,
    find_key,
    keys_path,
    list_keys,
    revoke_key,
    verify_key,
)

if TYPE_CHECKING:
    from aimass.server.app import create_app

__all__ = [
    "KEY_SCOPES",
    "KeyRecord",
    "check_scopes",
    "create_app",
    "create_key",
    "find_key",
    "keys_path",
    "list_keys",
    "revoke_key",
    "verify_key",
]


def __getattr__(name: str) -> Any:
    # FastAPI is imported only when the app is wanted, so `aimass keys` stays quick.
    if name == "create_app":
        from aimass.server.app import create_app

        return create_app
    raise AttributeError(f"module 'aimass.server' has no attribute {name!r}")
