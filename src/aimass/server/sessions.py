"""Dashboard sessions: an HMAC-signed token naming the API key used to log in and an expiry.

The signing secret is generated once per workspace in ``<workspace>/.aimass/session_secret``
(mode ``0600``). A token is ``<key_id>.<expires>.<signature>``; it holds no secret, and it is
accepted only while its key exists, is not revoked and still has the ``read`` scope, so revoking
a key also ends the sessions opened with it.

Examples
--------
>>> import tempfile
>>> from aimass import Workspace
>>> from aimass.server import create_key, verify_key
>>> workspace = Workspace.init(tempfile.mkdtemp())
>>> key_id, key = create_key(workspace, ["read"])
>>> record = verify_key(workspace, key)
>>> token = create_session_token(workspace, record)
>>> read_session_token(workspace, token).key_id == key_id
True
>>> read_session_token(workspace, token + "0") is None
True
>>> workspace.close()
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time

from aimass._typing import KeyScope
from aimass.exceptions import ConfigError
from aimass.server._private_files import create_once
from aimass.server.keys import KeyRecord, WorkspaceLike, _as_workspace, find_key

__all__ = [
    "SESSION_COOKIE",
    "SESSION_MAX_AGE",
    "SESSION_SCOPE",
    "create_session_token",
    "read_session_token",
    "session_secret",
]

SESSION_COOKIE = "aimass_session"
#: Seconds a dashboard login lasts.
SESSION_MAX_AGE = 12 * 3600
#: The scope a key needs to log in to the dashboard (``admin`` implies it).
SESSION_SCOPE: KeyScope = "read"
SECRET_FILE = "session_secret"

_TOKEN = re.compile(r"^([0-9a-f]{12})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


def session_secret(workspace: WorkspaceLike) -> bytes:
    """The workspace's session signing secret, created on first use.

    Parameters
    ----------
    workspace : Workspace or path
        The workspace.

    Returns
    -------
    bytes
        32 random bytes.

    Raises
    ------
    ConfigError
        When the secret file exists but is not what this module wrote.
    """
    path = _as_workspace(workspace).secrets_dir / SECRET_FILE
    text = create_once(path, secrets.token_hex(32).encode("ascii")).decode("ascii", errors="replace").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != 32:
        raise ConfigError(f"{path} is damaged (expected 64 hex digits); delete it to start new sessions")
    return secret


def _sign(secret: bytes, key_id: str, expires: int) -> str:
    digest = hmac.new(secret, f"v1.{key_id}.{expires}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def create_session_token(
    workspace: WorkspaceLike, key: KeyRecord, *, max_age: int = SESSION_MAX_AGE, now: float | None = None
) -> str:
    """Sign a session token for a logged-in key.

    Parameters
    ----------
    workspace : Workspace or path
        The workspace whose secret signs the token.
    key : KeyRecord
        The verified key the user logged in with; it must allow the ``read`` scope.
    max_age : int, default 12 hours
        Seconds until the token expires, at least 1.
    now : float, optional
        The current Unix time (for tests); ``time.time()`` when omitted.

    Returns
    -------
    str
        ``<key_id>.<expires>.<signature>``.

    Raises
    ------
    ConfigError
        When ``max_age`` is below 1 or the key may not log in.
    """
    if max_age < 1:
        raise ConfigError(f"`{max_age=}` must be >= 1 second")
    if not key.allows(SESSION_SCOPE):
        raise ConfigError(f"key {key.key_id} cannot log in: the dashboard needs scope 'read' or 'admin'")
    expires = int(time.time() if now is None else now) + max_age
    return f"{key.key_id}.{expires}.{_sign(session_secret(workspace), key.key_id, expires)}"


def read_session_token(
    workspace: WorkspaceLike, token: str | None, *, now: float | None = None
) -> KeyRecord | None:
    """Check a session token; return the key it was made for, or None.

    A token is accepted when its signature is right (compared in constant time), it has not
    expired, and its key still exists, is not revoked and allows the ``read`` scope.

    Parameters
    ----------
    workspace : Workspace or path
        The workspace whose secret signed the token.
    token : str or None
        The cookie value.
    now : float, optional
        The current Unix time (for tests).

    Returns
    -------
    KeyRecord or None
        The key, or None for a missing, malformed, forged, expired or revoked session.
    """
    match = _TOKEN.match(token or "")
    if match is None:
        return None
    key_id, expires_text, signature = match.groups()
    expires = int(expires_text)
    expected = _sign(session_secret(workspace), key_id, expires)
    if not hmac.compare_digest(signature.encode("ascii"), expected.encode("ascii")):
        return None
    if expires <= (time.time() if now is None else now):
        return None
    key = find_key(workspace, key_id)
    if key is None or not key.allows(SESSION_SCOPE):
        return None
    return key
