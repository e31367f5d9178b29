"""The dashboard pages: login with an API key, the workspace home and one page per table.

Server-rendered HTML with no scripts; every value is escaped by Jinja2's autoescape.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from aimass.engine import SCHEMAS
from aimass.exceptions import ConfigError, TableNotFoundError
from aimass.server.catalog import describe_table, recent_loads, recent_runs, summarize_tables
from aimass.server.dashboard._templates import render
from aimass.server.deps import EngineDep, WorkspaceDep
from aimass.server.keys import KeyRecord, verify_key
from aimass.server.sessions import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    SESSION_SCOPE,
    create_session_token,
    read_session_token,
)

__all__ = ["LoginDep", "router"]

router = APIRouter(tags=["dashboard"], include_in_schema=False)

#: Rows shown on a table page, and runs and loads on the home page.
TABLE_PAGE_ROWS = 20
RECENT_ON_HOME = 10
_MAX_KEY_LENGTH = 300


def _base(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _local_path(target: str | None, request: Request) -> str:
    """``target`` when it is a path on this site, else the home page (no open redirects)."""
    home = f"{_base(request)}/"
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


def session_key(request: Request, workspace: WorkspaceDep) -> KeyRecord | None:
    """The key of the logged-in user, from the session cookie, or None."""
    return read_session_token(workspace, request.cookies.get(SESSION_COOKIE))


SessionKeyDep = Annotated[KeyRecord | None, Depends(session_key)]


def require_login(request: Request, key: SessionKeyDep) -> KeyRecord:
    """The logged-in key; anyone else is sent to the login page (303) and comes back afterwards."""
    if key is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(
            status.HTTP_303_SEE_OTHER,
            "log in first",
            headers={"Location": f"{_base(request)}/login?next={quote(here, safe='/')}"},
        )
    return key


LoginDep = Annotated[KeyRecord, Depends(require_login)]


@router.get("/login", summary="The login form")
def login_form(
    request: Request, key: SessionKeyDep, next_page: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    """Show the login form, or go on when already logged in."""
    target = _local_path(next_page, request)
    if key is not None:
        return RedirectResponse(target, status.HTTP_303_SEE_OTHER)
    return render(request, "login.html", {"title": "Log in", "next": target, "error": None})


@router.post("/login", summary="Log in with an API key")
def login(
    request: Request,
    workspace: WorkspaceDep,
    api_key: Annotated[str, Form(max_length=_MAX_KEY_LENGTH)] = "",
    next_page: Annotated[str | None, Form(alias="next")] = None,
) -> Response:
    """Check the pasted key; on success set the session cookie and go to ``next``."""
    target = _local_path(next_page, request)
    key = verify_key(workspace, api_key)
    if key is None or not key.allows(SESSION_SCOPE):
        error = (
            "That key was not accepted: it is unknown, mistyped or revoked."
            if key is None
            else f"Key {key.key_id} has scopes {', '.join(key.scopes)}; "
            "the dashboard needs 'read' or 'admin'."
        )
        code = status.HTTP_401_UNAUTHORIZED if key is None else status.HTTP_403_FORBIDDEN
        return render(
            request, "login.html", {"title": "Log in", "next": target, "error": error}, status_code=code
        )
    response = RedirectResponse(target, status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        create_session_token(workspace, key),
        max_age=SESSION_MAX_AGE,
        path=f"{_base(request)}/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.api_route("/logout", methods=["GET", "POST"], summary="Log out")
def logout(request: Request) -> Response:
    """Forget the session cookie and go to the login page."""
    response = RedirectResponse(f"{_base(request)}/login", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path=f"{_base(request)}/", httponly=True, samesite="lax")
    return response


@router.get("/", summary="The workspace home")
def home(request: Request, key: LoginDep, workspace: WorkspaceDep, engine: EngineDep) -> Response:
    """The workspace, its tables by layer with row counts, and the latest loads and step runs."""
    tables = summarize_tables(engine)
    layers = {layer: [table for table in tables if table.layer == layer] for layer in SCHEMAS}
    context = {
        "title": workspace.settings.name,
        "user": key,
        "workspace": {"name": workspace.settings.name, "path": str(workspace.root)},
        "layers": layers,
        "total_rows": sum(table.rows for table in tables if table.layer != "meta"),
        "loads": recent_loads(engine, RECENT_ON_HOME),
        "runs": recent_runs(engine, RECENT_ON_HOME),
    }
    return render(request, "home.html", context)


@router.get("/tables/{name}", summary="One table")
def table_page(request: Request, name: str, key: LoginDep, engine: EngineDep) -> Response:
    """A table's columns and types, its row count and its first rows."""
    try:
        detail = describe_table(engine, name, limit=TABLE_PAGE_ROWS)
    except (ConfigError, TableNotFoundError) as error:
        return render(
            request,
            "error.html",
            {"title": "No such table", "user": key, "heading": "No such table", "message": str(error)},
            status_code=status.HTTP_404_NOT_FOUND,
        )
    return render(request, "table.html", {"title": detail.name, "user": key, "table": detail})
