"""Secrets for source configuration: ``${ENV_VAR}`` references and ``secret: NAME`` entries.

A secret's value is never printed, logged or stored in ``meta.loads``: :func:`mask` hides the
password of a URL and every secret value resolved so far in any text shown to the user.

``<workspace>/.aimass/secrets.toml`` holds named secrets, readable by its owner only (mode 0600):

.. code-block:: toml

    shop_db = "s3cr3t"
    [api]
    token = "abc"        # referenced as ``secret: api.token``
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    from aimass.engine import Engine
    from aimass.workspace import Workspace

__all__ = ["SECRETS_FILE", "mask", "remember_secret", "resolve_secret", "secrets_path"]

SECRETS_FILE = "secrets.toml"
MASK = "***"
_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_SECRET = re.compile(r"^secret:\s*([A-Za-z_][A-Za-z0-9_.-]*)$")
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):(?P<password>[^@/\s]+)@")
_SENSITIVE_QUERY = re.compile(
    r"(?P<head>[?&](?:password|passwd|pwd|token|access_token|api_key|apikey|key|secret)=)[^&#\s]+",
    re.IGNORECASE,
)
#: Values resolved in this process, so that :func:`mask` can hide them wherever they show up.
_KNOWN: set[str] = set()


def remember_secret(value: str) -> None:
    """Have :func:`mask` hide ``value`` from now on (short values are left alone: too many false hits)."""
    if len(value) >= 4:
        _KNOWN.add(value)


def mask(text: str) -> str:
    """``text`` with URL passwords, secret query parameters and every resolved secret replaced by ``***``.

    Examples
    --------
    >>> mask("postgresql://shop:hunter22@db.local:5432/sales")
    'postgresql://shop:***@db.local:5432/sales'
    >>> mask("https://api.example.com/v1/items?page=2&api_key=abc123")
    'https://api.example.com/v1/items?page=2&api_key=***'
    """
    text = _URL_PASSWORD.sub(lambda match: f"{match.group('head')}:{MASK}@", text)
    text = _SENSITIVE_QUERY.sub(lambda match: f"{match.group('head')}{MASK}", text)
    for value in sorted(_KNOWN, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def secrets_path(workspace: Workspace | Engine | Path | str) -> Path:
    """``<workspace>/.aimass/secrets.toml`` (the folder is ``[paths] secrets`` of ``aimass.toml``).

    Given a bare engine (no workspace), the ``.aimass`` folder of the current directory.
    """
    if isinstance(workspace, Path | str):
        return Path(workspace) / ".aimass" / SECRETS_FILE
    folder = getattr(workspace, "secrets_dir", None)
    return Path(folder) / SECRETS_FILE if folder is not None else Path.cwd() / ".aimass" / SECRETS_FILE


def _read_secrets(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        raise ConfigError(
            f"{path} can be read by other users (mode {mode:o}); make it private: chmod 600 {path}"
        )
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        # the message of a TOML error quotes no values, only where the problem is
        raise ConfigError(f"{path} is not valid TOML: {error}") from None


def _lookup(document: dict[str, Any], name: str) -> Any:
    found: Any = document
    for part in name.split("."):
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    return found


def resolve_secret(workspace: Workspace | Engine | Path | str, value: str, *, where: str = "a secret") -> str:
    """The value behind a ``${ENV_VAR}`` or ``secret: NAME`` reference; any other text as it is.

    Parameters
    ----------
    workspace : Workspace, Engine, or path of the workspace folder
        Where ``.aimass/secrets.toml`` is (for an engine: under the current directory).
    value : str
        ``${SHOP_DB_PASSWORD}``, ``secret: shop_db`` (dotted for a table: ``secret: api.token``),
        or a literal.
    where : str
        What the secret is for, named in errors (``source 'orders': password``).

    Returns
    -------
    str
        The secret; it is remembered so that :func:`mask` hides it.

    Raises
    ------
    ConfigError
        When the variable is not set or the secrets file has no such entry; the message names the
        reference, never a value.

    Examples
    --------
    >>> import os
    >>> os.environ["AIMASS_DOC_TOKEN"] = "tok-123456"
    >>> resolve_secret(".", "${AIMASS_DOC_TOKEN}")
    'tok-123456'
    >>> mask("Authorization: Bearer tok-123456")
    'Authorization: Bearer ***'
    """
    text = value.strip()
    if match := _REFERENCE.match(text):
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(
                f"{where}: the environment variable {name} is not set; export it (export {name}=...) "
                f"or put the value in .aimass/{SECRETS_FILE} and write `secret: NAME`"
            )
        resolved = os.environ[name]
    elif match := _SECRET.match(text):
        name = match.group(1)
        path = secrets_path(workspace)
        found = _lookup(_read_secrets(path), name)
        if found is None:
            raise ConfigError(
                f'{where}: there is no secret {name!r} in {path}; add a line `{name} = "..."` '
                f"there (chmod 600 {path}), or use an environment variable: ${{NAME}}"
            )
        if not isinstance(found, str | int | float):
            raise ConfigError(f"{where}: the secret {name!r} in {path} must be a string, not a table")
        resolved = str(found)
    else:
        return value
    remember_secret(resolved)
    return resolved
