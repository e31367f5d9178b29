"""The SFTP source: files matching a pattern on an SSH server, downloaded and loaded with the file readers.

Each run lists the matching files, skips those an earlier ok load of the same source already
loaded (same path, size and modification time, or same sha256), downloads the rest to a temporary
folder and lands them in one load with :mod:`aimass.ingest.files`. The identities of the files
a load read are kept in its ``meta.loads.details.remote_files`` (the loader's ``meta.source_state``
holds one cursor value per key, not a file list), so the next run can tell what is new.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import socket
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from aimass._typing import WriteMode
from aimass.engine import WriteResult
from aimass.exceptions import ConfigError, TerminalSourceError
from aimass.ingest._load import LoadContext, engine_and_root, raw_target, run_load
from aimass.ingest._result import LoadResult
from aimass.ingest.sftp.errors import (
    auth_failed,
    host_key_changed,
    host_key_mismatch,
    unknown_host,
    unreachable,
)

if TYPE_CHECKING:
    import paramiko

    from aimass.engine import Engine
    from aimass.ingest.files.config import FileOptions
    from aimass.workspace import Workspace

__all__ = [
    "RemoteFile",
    "SftpLocation",
    "default_table",
    "fingerprint",
    "ingest_sftp",
    "list_remote",
    "loaded_files",
    "open_sftp",
    "parse_sftp_url",
]

DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"


@dataclass(frozen=True)
class SftpLocation:
    """Where an ``sftp://user@host:port/dir`` URL points."""

    user: str
    host: str
    port: int
    directory: str

    @property
    def where(self) -> str:
        """``user@host:port``, for messages (never a password)."""
        return f"{self.user}@{self.host}:{self.port}"

    def url(self, path: str = "") -> str:
        """The ``sftp://`` URL of ``path`` (the folder when empty)."""
        return f"sftp://{self.where}/{(path or self.directory).lstrip('/')}"


@dataclass(frozen=True)
class RemoteFile:
    """One file on the server: what tells whether it was loaded before."""

    path: str
    size: int
    mtime: int
    sha256: str | None = None


def parse_sftp_url(url: str, user: str | None = None) -> SftpLocation:
    """Split ``sftp://user@host:port/dir``; the port defaults to 22, the folder to the login folder.

    Raises
    ------
    ConfigError
        When the URL is not ``sftp://``, has no host or user, or carries a password.

    Examples
    --------
    >>> parse_sftp_url("sftp://shop@files.example.com:2222/exports/daily")
    SftpLocation(user='shop', host='files.example.com', port=2222, directory='/exports/daily')
    >>> parse_sftp_url("sftp://shop@files.example.com/~/drop").directory
    'drop'
    """
    parts = urlsplit(url)
    if parts.scheme != "sftp" or not parts.hostname:
        raise ConfigError(f"sftp source: {url!r} must look like sftp://user@host[:port]/folder")
    if parts.password is not None:
        raise ConfigError(
            "sftp source: do not put the password in the URL; pass --password-env VAR "
            "(password: ${VAR} or password: 'secret: NAME' in sources.yaml)"
        )
    login = unquote(parts.username) if parts.username else user
    if not login:
        raise ConfigError(f"sftp source: name the user in the URL: sftp://USER@{parts.hostname}/...")
    try:
        port = parts.port or 22
    except ValueError:
        raise ConfigError(f"sftp source: the port in {url!r} is not a number from 1 to 65535") from None
    path = unquote(parts.path)
    directory = path[3:] if path.startswith("/~/") else ("." if path in ("", "/~") else path)
    return SftpLocation(login, parts.hostname, port, directory or ".")


def default_table(pattern: str) -> str:
    """The raw table a pattern suggests when none is named: ``sales_*.csv`` -> ``sales``.

    Examples
    --------
    >>> default_table("exports/sales_2024_*.csv")
    'sales'
    """
    from aimass.engine import to_identifier

    stem = re.sub(r"[*?\[\]]", "", PurePosixPath(pattern).name).split(".")[0]
    return to_identifier(stem.rstrip("_- .0123456789") or "sftp_files")


def fingerprint(key: paramiko.PKey) -> str:
    """The OpenSSH ``SHA256:...`` fingerprint of a host key (what ``ssh-keygen -lf`` prints)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def _check_host_key(
    location: SftpLocation, key: paramiko.PKey, *, known_hosts: str | None, host_key: str | None
) -> None:
    import paramiko

    offered = fingerprint(key)
    if host_key is not None:
        expected = host_key if host_key.startswith("SHA256:") else f"SHA256:{host_key}"
        if expected.rstrip("=") != offered:
            raise host_key_mismatch(location.where, expected, offered)
        return
    path = Path(known_hosts or DEFAULT_KNOWN_HOSTS).expanduser()
    entry = location.host if location.port == 22 else f"[{location.host}]:{location.port}"
    keys = paramiko.HostKeys(str(path)) if path.is_file() else paramiko.HostKeys()
    known = keys.lookup(entry)
    if known is None or key.get_name() not in known:
        raise unknown_host(location.where, entry, offered, str(path))
    if known[key.get_name()] != key:
        raise host_key_changed(location.where, entry, offered, str(path))


def _private_key(key_file: str, passphrase: str | None) -> paramiko.PKey:
    import paramiko

    path = Path(key_file).expanduser()
    try:
        return paramiko.PKey.from_path(path, passphrase or None)
    except FileNotFoundError:
        raise ConfigError(f"sftp source: the key file {path} does not exist") from None
    except paramiko.PasswordRequiredException:
        raise ConfigError(f"sftp source: the key {path} is encrypted; give its passphrase") from None
    except (paramiko.SSHException, ValueError) as error:
        raise ConfigError(f"sftp source: {path} is not a private key paramiko can read ({error})") from None


@contextmanager
def open_sftp(
    location: SftpLocation,
    *,
    password: str | None = None,
    key_file: str | None = None,
    key_passphrase: str | None = None,
    known_hosts: str | None = None,
    host_key: str | None = None,
    timeout: float = 30.0,
) -> Iterator[paramiko.SFTPClient]:
    """Connect, check the host key, log in and yield an SFTP client; closed on exit.

    Raises
    ------
    TransientSourceError
        The server is unreachable or the handshake broke off.
    TerminalSourceError
        Unknown or changed host key, or the server refused the password or key.
    ConfigError
        Neither a password nor a key was given, or the key file cannot be read.
    """
    import paramiko

    if password is None and key_file is None:
        raise ConfigError(
            "sftp source: give a password (--password-env VAR) or a private key (--key-file FILE)"
        )
    key = _private_key(key_file, key_passphrase) if key_file else None
    try:
        sock = socket.create_connection((location.host, location.port), timeout=timeout)
    except OSError as error:
        raise unreachable(location.where, error, timeout) from None
    transport = paramiko.Transport(sock)
    try:
        try:
            transport.start_client(timeout=timeout)
        except (paramiko.SSHException, OSError, EOFError) as error:
            raise unreachable(location.where, error, timeout) from None
        _check_host_key(
            location, transport.get_remote_server_key(), known_hosts=known_hosts, host_key=host_key
        )
        try:
            if key is not None:
                transport.auth_publickey(location.user, key)
            else:
                transport.auth_password(location.user, password or "")
        except paramiko.BadAuthenticationType as error:
            raise auth_failed(
                location.where, "key" if key else "password", list(error.allowed_types)
            ) from None
        except paramiko.AuthenticationException:
            raise auth_failed(location.where, "key" if key else "password") from None
        client = paramiko.SFTPClient.from_transport(transport)
        if client is None:
            raise TerminalSourceError(f"sftp source: {location.where} does not offer the SFTP subsystem")
        with client:
            yield client
    finally:
        transport.close()


def list_remote(client: paramiko.SFTPClient, location: SftpLocation, pattern: str) -> list[RemoteFile]:
    """The files under the folder whose path relative to it matches ``pattern``, sorted.

    A pattern without ``/`` looks in the folder only; with ``/`` (``*/orders_*.csv``, ``**/*.csv``)
    it walks the subfolders too (``*`` then also matches ``/``).
    """
    recursive = "/" in pattern
    found: list[RemoteFile] = []

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = client.listdir_attr(folder)
        except OSError as error:
            raise TerminalSourceError(
                f"sftp source: cannot list {location.url(folder)} ({error}); check the folder in the URL"
            ) from None
        for entry in sorted(entries, key=lambda item: item.filename):
            relative = f"{prefix}{entry.filename}"
            full = str(PurePosixPath(folder) / entry.filename)
            mode = entry.st_mode or 0
            if stat.S_ISDIR(mode) and recursive:
                walk(full, f"{relative}/")
            elif stat.S_ISREG(mode) and fnmatch.fnmatchcase(relative, pattern):
                found.append(RemoteFile(full, int(entry.st_size or 0), int(entry.st_mtime or 0)))

    walk(location.directory, "")
    return found


def loaded_files(engine: Engine, target: str, state_key: str) -> list[RemoteFile]:
    """The files earlier ok loads of ``state_key`` into ``target`` read (from ``meta.loads.details``)."""
    if not engine.exists("meta.loads"):
        return []
    table = engine.scan("meta.loads")
    rows = table.filter((table.target == target) & (table.status == "ok")).select("details").to_pyarrow()
    files: list[RemoteFile] = []
    for text in rows["details"].to_pylist():
        details: Any = json.loads(text) if text else {}
        if isinstance(details, dict) and details.get("sftp_state_key") == state_key:
            files.extend(RemoteFile(**item) for item in details.get("remote_files", []))
    return files


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def ingest_sftp(
    workspace_or_engine: Workspace | Engine,
    url: str,
    table: str,
    *,
    pattern: str = "*",
    password: str | None = None,
    key_file: str | None = None,
    key_passphrase: str | None = None,
    known_hosts: str | None = None,
    host_key: str | None = None,
    format: str | None = None,
    options: Mapping[str, Any] | FileOptions | None = None,
    mode: WriteMode = "append",
    state_key: str | None = None,
    timeout: float = 30.0,
) -> LoadResult:
    """Load the files matching ``pattern`` in an SFTP folder into one raw table, skipping loaded ones.

    Parameters
    ----------
    workspace_or_engine : Workspace or Engine
    url : str
        ``sftp://user@host[:port]/folder`` (``/~/folder`` for a folder under the login folder).
    table : str
        The raw table.
    pattern : str, default "*"
        Glob of the file names (``orders_*.csv``), or of paths under the folder (``*/orders.csv``).
    password : str, optional
        The password (already resolved: never logged nor recorded).
    key_file, key_passphrase : str, optional
        A private key file (OpenSSH or PEM; Ed25519, ECDSA or RSA) and its passphrase.
    known_hosts : str, optional
        The known_hosts file checked for the server's key (default ``~/.ssh/known_hosts``).
    host_key : str, optional
        The server key's ``SHA256:...`` fingerprint, instead of known_hosts.
    format, options
        As for :func:`aimass.ingest.ingest_files` (format from the file endings when omitted).
    mode : {"append", "replace"}, default "append"
        ``append`` loads only new or changed files; ``replace`` reloads every matching file.
    state_key : str, optional
        Which earlier loads count as "already loaded" (default: the URL and pattern).
    timeout : float, default 30

    Returns
    -------
    LoadResult
        ``files`` lists the ``sftp://`` URLs loaded; 0 rows when nothing was new.

    Raises
    ------
    TransientSourceError
        Unreachable server.
    TerminalSourceError
        Unknown host key, refused login, missing folder, no matching file, or an unreadable file.
    """
    from aimass.ingest.files.source import land_files

    engine, _ = engine_and_root(workspace_or_engine)
    if mode not in ("append", "replace"):
        raise ConfigError(f"sftp source: mode={mode!r} is not allowed; use append or replace")
    location = parse_sftp_url(url)
    target = raw_target(table)
    key = state_key or f"{location.url()}|{pattern}"
    credentials = {"password": password, "key_file": key_file, "key_passphrase": key_passphrase}
    details: dict[str, Any] = {"sftp_state_key": key, "pattern": pattern, "format": format}

    def load(context: LoadContext) -> int | WriteResult:
        with (
            tempfile.TemporaryDirectory(prefix="aimass-sftp-") as folder,
            open_sftp(
                location, known_hosts=known_hosts, host_key=host_key, timeout=timeout, **credentials
            ) as client,
        ):
            remote = list_remote(client, location, pattern)
            if not remote:
                raise TerminalSourceError(
                    f"sftp source: no file matches {pattern!r} in {location.url()}; check the pattern"
                )
            before = loaded_files(engine, str(target), key) if mode == "append" else []
            seen = {(item.path, item.size, item.mtime) for item in before}
            hashes = {item.sha256 for item in before if item.sha256}
            fresh: list[RemoteFile] = []
            local: list[Path] = []
            skipped = 0
            for item in remote:
                if (item.path, item.size, item.mtime) in seen:
                    skipped += 1
                    continue
                path = Path(folder) / item.path.lstrip("/")
                path.parent.mkdir(parents=True, exist_ok=True)
                client.get(item.path, str(path))
                digest = _sha256(path)
                if digest in hashes:
                    skipped += 1
                    continue
                fresh.append(RemoteFile(item.path, item.size, item.mtime, digest))
                local.append(path)
            context.details["files_skipped"] = skipped
            context.details["remote_files"] = [asdict(item) for item in fresh]
            if not fresh:
                return 0
            names = {str(path): location.url(item.path) for path, item in zip(local, fresh, strict=True)}
            written = land_files(
                engine,
                context,
                local,
                target=target,
                file_format=format,
                mode=mode,
                options=options,
                names=names,
            )
            context.files[:] = [location.url(item.path) for item in fresh]
            return written

    return run_load(
        engine, source=f"{location.url()} {pattern}", target=target, mode=mode, details=details, load=load
    )
