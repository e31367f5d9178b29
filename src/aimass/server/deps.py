"""Request dependencies: settings, the per-request read-only workspace, the engine and API keys.

Use the ``Annotated`` aliases in route signatures::

    @router.get("/things")
    def things(engine: EngineDep, key: ReadKeyDep) -> ...

The workspace is opened read-only for each request and closed after it, so a CLI command can
write to the warehouse between requests. Key checks read only ``.aimass/api_keys.json``, never
the warehouse, so a missing or wrong key is answered 401 even while the warehouse is busy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from aimass.engine import Engine
from aimass.exceptions import EngineError
from aimass.server.keys import KEY_SCOPES, KeyRecord, verify_key
from aimass.settings import Settings
from aimass.workspace import Workspace

__all__ = [
    "AdminKeyDep",
    "ApiKeyDep",
    "EngineDep",
    "ReadKeyDep",
    "ServerContext",
    "SettingsDep",
    "WarehouseUnavailableError",
    "WorkspaceDep",
    "get_api_key",
    "get_engine",
    "get_settings",
    "get_workspace",
]

_log = logging.getLogger("aimass.server")

#: Seconds a client is told to wait when the warehouse is busy.
RETRY_AFTER_SECONDS = 2


@dataclass(frozen=True)
class ServerContext:
    """What ``create_app`` fixes once for the life of the app: the workspace root and its settings."""

    root: Path
    settings: Settings


class WarehouseUnavailableError(EngineError):
    """The warehouse could not be opened for this request (usually: another process is writing).

    Parameters
    ----------
    message : str
        What the client is told.
    retry_after : int
        Seconds to wait before trying again.
    """

    def __init__(self, message: str, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _context(request: Request) -> ServerContext:
    context = getattr(request.app.state, "aimass", None)
    if not isinstance(context, ServerContext):  # an app not made by create_app
        raise RuntimeError("this app was not built by aimass.server.create_app")
    return context


def get_settings(request: Request) -> Settings:
    """The workspace settings, read once when the app was created (override this in tests)."""
    return _context(request).settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_workspace(request: Request, settings: SettingsDep) -> Iterator[Workspace]:
    """The workspace, read-only, for one request; its warehouse connection closes after the request."""
    workspace = Workspace(root=_context(request).root, settings=settings, read_only=True)
    try:
        yield workspace
    finally:
        workspace.close()


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]


def get_engine(workspace: WorkspaceDep) -> Engine:
    """The warehouse of this request's workspace, opened read-only.

    Raises
    ------
    WarehouseUnavailableError
        When it cannot be opened (a writer holds its lock, or it does not exist); the app
        answers 503 with ``Retry-After``.
    """
    try:
        return workspace.engine
    except EngineError as error:
        _log.warning("warehouse unavailable: %s", error)
        raise WarehouseUnavailableError(
            "the warehouse is busy or unavailable: another process is probably writing to it "
            f"(a pipeline run or an ingest). Try again in {RETRY_AFTER_SECONDS} seconds."
        ) from None


EngineDep = Annotated[Engine, Depends(get_engine)]

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="am_<key_id>_<secret>",
    description="An API key: `Authorization: Bearer am_...`.",
)
_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key in the `X-API-Key` header."
)


def get_api_key(
    security_scopes: SecurityScopes,
    workspace: WorkspaceDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> KeyRecord:
    """The API key sent with the request, checked against the scopes the route needs.

    Raises
    ------
    HTTPException
        401 (with ``WWW-Authenticate``) when no key is sent or it is unknown or revoked; 403
        when the key lacks a needed scope.
    """
    presented = bearer.credentials if bearer is not None else header
    challenge = {"WWW-Authenticate": 'Bearer realm="aimass"'}
    if not presented:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an API key is needed: send `Authorization: Bearer <key>` or `X-API-Key: <key>` "
            "(create one with `aimass keys create --scope read`)",
            headers=challenge,
        )
    key = verify_key(workspace, presented)
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the API key is not valid (unknown, mistyped or revoked)",
            headers={"WWW-Authenticate": 'Bearer realm="aimass", error="invalid_token"'},
        )
    for scope in security_scopes.scopes:
        if scope not in KEY_SCOPES or not key.allows(scope):  # an unknown scope is denied
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this route needs an API key with scope {scope!r} (or 'admin'); "
                f"key {key.key_id} has: {', '.join(key.scopes)}",
            )
    return key


#: Any valid key, whatever its scopes.
ApiKeyDep = Annotated[KeyRecord, Depends(get_api_key)]
#: A key with scope ``read`` (or ``admin``).
ReadKeyDep = Annotated[KeyRecord, Security(get_api_key, scopes=["read"])]
#: A key with scope ``admin``.
AdminKeyDep = Annotated[KeyRecord, Security(get_api_key, scopes=["admin"])]
