"""``aimass ingest sftp URL --pattern GLOB``: load the new files of an SFTP folder into a raw table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from aimass.cli._common import JsonOption, WorkspaceOption
from aimass.cli._ingest_common import build_source, run_and_report

if TYPE_CHECKING:
    pass

__all__ = ["register"]


def ingest_sftp_command(
    url: Annotated[str, typer.Argument(help="sftp://user@host[:port]/folder")],
    pattern: Annotated[str, typer.Option(help="Glob of the file names, e.g. 'sales_*.csv'.")] = "*",
    name: Annotated[
        str | None, typer.Option("--as", help="The raw table to write (default: from the pattern).")
    ] = None,
    password_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the password.")
    ] = None,
    key_file: Annotated[str | None, typer.Option(help="Private key file, instead of a password.")] = None,
    key_passphrase_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the key's passphrase.")
    ] = None,
    known_hosts: Annotated[
        str | None, typer.Option(help="known_hosts file with the server's key (default ~/.ssh/known_hosts).")
    ] = None,
    host_key: Annotated[
        str | None, typer.Option(help="The server key's SHA256:... fingerprint, instead of known_hosts.")
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="csv, tsv, parquet, json, jsonl or excel (default: ending)."),
    ] = None,
    mode: Annotated[
        str, typer.Option(metavar="append|replace", help="append: only new files; replace: reload all.")
    ] = "append",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server.")] = 30.0,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load the files matching --pattern in an SFTP folder into raw.<name>, skipping files loaded before."""

    from aimass.ingest.sftp import SftpSourceConfig
    from aimass.ingest.sftp.source import default_table

    entry: dict[str, Any] = {
        "kind": "sftp",
        "name": name or default_table(pattern),
        "url": url,
        "pattern": pattern,
        "password": f"${{{password_env}}}" if password_env else None,
        "key_file": key_file,
        "key_passphrase": f"${{{key_passphrase_env}}}" if key_passphrase_env else None,
        "known_hosts": known_hosts,
        "host_key": host_key,
        "format": file_format,
        "mode": mode,
        "timeout": timeout,
    }
    config = build_source("sftp", SftpSourceConfig, entry)
    run_and_report(config.ingest, workspace=workspace, as_json=as_json, status=f"loading {url} {pattern}")


def register(group: typer.Typer) -> None:
    """Add ``sftp`` to the ``aimass ingest`` group."""
    group.command("sftp")(ingest_sftp_command)
