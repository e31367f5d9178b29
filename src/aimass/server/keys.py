"""API keys: created once, stored only as a SHA-256 hash, checked in constant time.

A key looks like ``am_<key_id>_<secret>``: ``key_id`` is 12 hex digits that name the key in
listings and logs, ``secret`` is ``secrets.token_urlsafe(32)`` (256 random bits). The key file
``<workspace>/.aimass/api_keys.json`` (mode ``0600``, folder ``0700``) holds, per key, its id,
name, scopes, creation time, revoked flag and the hash of the whole key; never the key itself. It
lives beside the warehouse, not in it, so keys can be created and revoked while the server runs.

Scopes: ``read`` (tables, runs, dashboard), ``decide`` (decisions), ``feedback`` (events) and
``admin``, which implies all the others.

Examples
--------
>>> import tempfile
>>> from aimass import Workspace
>>> from aimass.server import create_key, verify_key
>>> workspace = Workspace.init(tempfile.mkdtemp())
>>> key_id, key = create_key(workspace, ["read"], name="notebook")
>>> key.startswith(f"am_{key_id}_")
True
>>> verify_key(workspace, key).scopes
('read',)
>>> verify_key(workspace, key + "x") is None
True
>>> workspace.close()
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from hmac import compare_digest
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aimass._typing import KeyScope
from aimass.exceptions import ConfigError
from aimass.server._private_files import exclusive_lock, write_private
from aimass.workspace import Workspace

__all__ = [
    "KEYS_FILE",
    "KEY_PREFIX",
    "KEY_SCOPES",
    "KeyRecord",
    "WorkspaceLike",
    "check_scopes",
    "create_key",
    "find_key",
    "keys_path",
    "list_keys",
    "revoke_key",
    "verify_key",
]

#: Every scope a key can carry; ``admin`` implies the others.
KEY_SCOPES: tuple[KeyScope, ...] = get_args(KeyScope)
KEY_PREFIX = "am_"
KEYS_FILE = "api_keys.json"
#: A workspace, or the path of one (its folder or its ``aimass.toml``).
WorkspaceLike = Workspace | str | os.PathLike[str]

_KEY_ID = re.compile(r"^[0-9a-f]{12}$")
_PRESENTED = re.compile(rf"^{KEY_PREFIX}([0-9a-f]{{12}})_([A-Za-z0-9_-]{{20,128}})$")
_NAME_MAX = 64
# Compared against when the key id is unknown, so a miss costs the same as a wrong secret.
_DUMMY_HASH = hashlib.sha256(b"aimass-no-such-key").hexdigest()


class KeyRecord(BaseModel):
    """What is known about an API key, without its secret.

    Parameters
    ----------
    key_id : str
        12 hex digits, the public part of the key.
    name : str
        A label chosen at creation (who or what uses the key).
    scopes : tuple of str
        Granted scopes, a subset of ``KEY_SCOPES``.
    created_at : datetime
        When the key was created (UTC).
    revoked : bool
        Whether the key was revoked; a revoked key is never accepted again.
    revoked_at : datetime, optional
        When it was revoked.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_id: Annotated[str, Field(pattern=_KEY_ID.pattern)]
    name: str
    scopes: tuple[KeyScope, ...]
    created_at: datetime
    revoked: bool = False
    revoked_at: datetime | None = None

    def allows(self, scope: KeyScope) -> bool:
        """Whether this key may be used for ``scope`` (``admin`` implies every scope).

        Examples
        --------
        >>> from datetime import datetime
        >>> key = KeyRecord(
        ...     key_id="0123456789ab", name="x", scopes=("admin",), created_at=datetime(2024, 1, 1)
        ... )
        >>> key.allows("read"), key.allows("decide")
        (True, True)
        """
        return not self.revoked and (scope in self.scopes or "admin" in self.scopes)


class _StoredKey(KeyRecord):
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

    def public(self) -> KeyRecord:
        return KeyRecord.model_validate(self.model_dump(exclude={"sha256"}))


class _KeyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    keys: list[_StoredKey] = Field(default_factory=list)


def keys_path(workspace: WorkspaceLike) -> Path:
    """Where the key hashes of ``workspace`` are stored (``<secrets>/api_keys.json``)."""
    return _as_workspace(workspace).secrets_dir / KEYS_FILE


def check_scopes(scopes: Iterable[str]) -> tuple[KeyScope, ...]:
    """Validate scope names and return them deduplicated, in the canonical order.

    Parameters
    ----------
    scopes : iterable of str
        Scope names, e.g. ``["read", "decide"]``.

    Returns
    -------
    tuple of str
        The scopes in the order of ``KEY_SCOPES``.

    Raises
    ------
    ConfigError
        When no scope is given or one is not allowed.

    Examples
    --------
    >>> check_scopes(["read", "decide", "read"])
    ('decide', 'read')
    """
    given = [str(scope).strip().lower() for scope in scopes]
    allowed = ", ".join(KEY_SCOPES)
    if not given:
        raise ConfigError(f"an API key needs at least one scope; allowed scopes: {allowed}")
    unknown = [scope for scope in given if scope not in KEY_SCOPES]
    if unknown:
        raise ConfigError(f"unknown scope {unknown[0]!r}; allowed scopes: {allowed} (admin implies all)")
    return tuple(scope for scope in KEY_SCOPES if scope in given)


def create_key(workspace: WorkspaceLike, scopes: Iterable[str], name: str | None = None) -> tuple[str, str]:
    """Create an API key and store its hash; the key itself is returned once and never again.

    Parameters
    ----------
    workspace : Workspace or path
        The workspace the key is for.
    scopes : iterable of str
        What the key may do: any of ``decide``, ``feedback``, ``admin``, ``read``.
    name : str, optional
        A label (who or what uses it), at most 64 characters; ``key-<key_id>`` when omitted.

    Returns
    -------
    tuple of (str, str)
        ``(key_id, key)`` where ``key`` is the full ``am_<key_id>_<secret>`` string to hand over.

    Raises
    ------
    ConfigError
        When a scope is not allowed, the name is too long or has control characters, or the
        key file is damaged.
    """
    granted = check_scopes(scopes)
    path = keys_path(workspace)
    with exclusive_lock(path):
        stored = _read(path)
        taken = {entry.key_id for entry in stored.keys}
        key_id = secrets.token_hex(6)
        while key_id in taken:
            key_id = secrets.token_hex(6)
        key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        entry = _StoredKey(
            key_id=key_id,
            name=_check_name(name, key_id),
            scopes=granted,
            created_at=datetime.now(UTC).replace(microsecond=0),
            sha256=_hash(key),
        )
        stored.keys.append(entry)
        _write(path, stored)
    return key_id, key


def list_keys(workspace: WorkspaceLike) -> list[KeyRecord]:
    """Every key of the workspace (revoked ones too), oldest first, without hashes or secrets."""
    return [entry.public() for entry in _read(keys_path(workspace)).keys]


def find_key(workspace: WorkspaceLike, key_id: str) -> KeyRecord | None:
    """The key with id ``key_id``, or None when there is no such key."""
    for entry in _read(keys_path(workspace)).keys:
        if entry.key_id == key_id:
            return entry.public()
    return None


def revoke_key(workspace: WorkspaceLike, key_id: str) -> KeyRecord:
    """Revoke a key for good; revoking a revoked key changes nothing.

    Parameters
    ----------
    workspace : Workspace or path
        The workspace that holds the key.
    key_id : str
        The 12 hex digits shown by :func:`list_keys` (or the part after ``am_`` of the key).

    Returns
    -------
    KeyRecord
        The key as it is now.

    Raises
    ------
    ConfigError
        When no key has that id.
    """
    path = keys_path(workspace)
    with exclusive_lock(path):
        stored = _read(path)
        for index, entry in enumerate(stored.keys):
            if entry.key_id == key_id:
                if not entry.revoked:
                    entry = entry.model_copy(update={"revoked": True, "revoked_at": datetime.now(UTC)})
                    stored.keys[index] = entry
                    _write(path, stored)
                return entry.public()
    known = ", ".join(entry.key_id for entry in stored.keys) or "none yet"
    raise ConfigError(f"no API key has the id {key_id!r} (key ids: {known}); `aimass keys list` shows them")


def verify_key(workspace: WorkspaceLike, presented: str | None) -> KeyRecord | None:
    """Check a presented key; return its record when it is valid and not revoked, else None.

    The key file is read on every call, so keys created or revoked meanwhile take effect at
    once. The hash of the presented key is compared with :func:`hmac.compare_digest`.

    Parameters
    ----------
    workspace : Workspace or path
        The workspace whose keys are checked.
    presented : str or None
        The key as sent by the client.

    Returns
    -------
    KeyRecord or None
        The matching key, or None when the key is malformed, unknown, wrong or revoked.
    """
    if not presented:
        return None
    match = _PRESENTED.match(presented.strip())
    if match is None:
        return None
    key_id = match.group(1)
    digest = _hash(presented.strip())
    entry = next((item for item in _read(keys_path(workspace)).keys if item.key_id == key_id), None)
    expected = entry.sha256 if entry is not None else _DUMMY_HASH
    if not compare_digest(digest.encode("ascii"), expected.encode("ascii")):
        return None
    if entry is None or entry.revoked:
        return None
    return entry.public()


def _as_workspace(workspace: WorkspaceLike) -> Workspace:
    return workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _check_name(name: str | None, key_id: str) -> str:
    if name is None or not name.strip():
        return f"key-{key_id}"
    cleaned = name.strip()
    if len(cleaned) > _NAME_MAX:
        raise ConfigError(
            f"key name {cleaned[:20]!r}... is {len(cleaned)} characters; at most {_NAME_MAX} allowed"
        )
    if any(not character.isprintable() for character in cleaned):
        raise ConfigError(f"key name {cleaned!r} holds control characters; use printable text only")
    return cleaned


def _read(path: Path) -> _KeyFile:
    if not path.is_file():
        return _KeyFile()
    try:
        return _KeyFile.model_validate_json(path.read_bytes())
    except ValidationError as error:
        raise ConfigError(
            f"{path} is damaged ({error.error_count()} problem(s), first: {error.errors()[0]['msg']}); "
            "restore it from a backup or delete it and create new keys"
        ) from None


def _write(path: Path, stored: _KeyFile) -> None:
    text = json.dumps(stored.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    write_private(path, text.encode("utf-8"))
