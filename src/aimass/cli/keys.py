"""``aimass keys``: create, list and revoke the API keys of a workspace."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption, console, emit_json, open_workspace

app = typer.Typer(
    help="Create, list and revoke API keys (scopes: read, decide, feedback, admin; admin implies all).",
    no_args_is_help=True,
)


def _row(key: Any) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "name": key.name,
        "scopes": list(key.scopes),
        "created_at": key.created_at.isoformat(),
        "revoked": key.revoked,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


@app.command("create")
def create(
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", "-s", help="A scope to grant: read, decide, feedback or admin (repeatable)."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="A label: who or what uses the key.")] = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from aimass.server import create_key, find_key

    with open_workspace(workspace, read_only=True) as ws:
        key_id, key = create_key(ws, scope or [], name)
        record = find_key(ws, key_id)
    assert record is not None
    if as_json:
        emit_json({**_row(record), "key": key})
        return
    console.print(f"created key [bold]{key_id}[/] ({record.name}) with scopes {', '.join(record.scopes)}:")
    console.print(key, markup=False, highlight=False, soft_wrap=True)
    console.print(
        "[yellow]copy it now: it is shown only this once[/]; the workspace stores only its SHA-256 hash. "
        "Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
        soft_wrap=True,
    )


@app.command("list")
def list_(workspace: WorkspaceOption = None, as_json: JsonOption = False) -> None:
    """List the keys (id, name, scopes, created, revoked); never their secrets."""
    from rich.table import Table

    from aimass.server import list_keys

    with open_workspace(workspace, read_only=True) as ws:
        rows = [_row(key) for key in list_keys(ws)]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        console.print("no API keys yet: create one with `aimass keys create --scope read`")
        return
    table = Table("key id", "name", "scopes", "created (UTC)", "revoked", title="API keys")
    for row in rows:
        table.add_row(
            row["key_id"],
            row["name"],
            ", ".join(row["scopes"]),
            row["created_at"][:19].replace("T", " "),
            (row["revoked_at"] or "yes")[:19].replace("T", " ") if row["revoked"] else "no",
        )
    console.print(table)


@app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id shown by `aimass keys list`.")],
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a key for good: requests and dashboard sessions using it are refused from now on."""
    from aimass.server import revoke_key

    with open_workspace(workspace, read_only=True) as ws:
        record = revoke_key(ws, key_id.strip())
    if as_json:
        emit_json(_row(record))
        return
    console.print(f"revoked key [bold]{record.key_id}[/] ({record.name})")
