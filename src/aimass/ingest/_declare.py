"""Adding and removing ``[sources.<name>]`` tables of ``aimass.toml``, keeping the rest of the file.

The file is edited as text: a new source is appended as its own table, a removed one is cut out
(its header up to the next table that is not one of its sub-tables), so comments and the order of
everything else stay as the user wrote them. The edited file is checked before it is kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from aimass.exceptions import ConfigError
from aimass.ingest._secrets import mask
from aimass.ingest._sources import (
    _SENSITIVE,
    _VARIABLE,
    SETTINGS_FILE,
    SOURCES_FILE,
    declared_sources,
    parse_source,
)

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = ["add_source", "masked_declaration", "parse_assignments", "remove_source"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``["url=https://x", "pagination.size=50"]`` -> ``{"url": "https://x", "pagination": {"size": 50}}``.

    Values are YAML scalars (``50`` is a number, ``true`` a boolean, ``[a, b]`` a list).

    Examples
    --------
    >>> parse_assignments(["table=orders", "primary_key=[id]", "pagination.size=50"])
    {'table': 'orders', 'primary_key': ['id'], 'pagination': {'size': 50}}
    """
    entry: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {pair!r} must look like KEY=VALUE, e.g. --set table=orders")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        if value is None:
            value = text
        place = entry
        parts = [part.strip() for part in key.split(".")]
        for part in parts[:-1]:
            nested = place.setdefault(part, {})
            if not isinstance(nested, dict):
                raise ConfigError(f"--set {pair!r}: {part} is already set to a value, not a table")
            place = nested
        place[parts[-1]] = value
    return entry


def masked_declaration(value: Any, sensitive: bool = False) -> Any:
    """A declared entry safe to show: literal values of secret-looking keys (password, token...) become
    ``***``; ``${VAR}`` and ``secret:`` references stay; URL passwords are masked everywhere.

    Examples
    --------
    >>> masked_declaration({"password": "hunter2", "auth": "Bearer ${TOKEN}", "url": "mysql://u:pw@h/db"})
    {'password': '***', 'auth': 'Bearer ${TOKEN}', 'url': 'mysql://u:***@h/db'}
    """
    if isinstance(value, str):
        reference = _VARIABLE.search(value) or value.strip().startswith("secret:")
        return "***" if sensitive and not reference else mask(value)
    if isinstance(value, dict):
        return {
            key: masked_declaration(item, sensitive or bool(_SENSITIVE.search(str(key))))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [masked_declaration(item, sensitive) for item in value]
    return value


def _root(workspace: Workspace | Path | str) -> Path:
    return Path(workspace.root) if not isinstance(workspace, Path | str) else Path(workspace)


def _cut(text: str, name: str) -> tuple[str, bool]:
    """``text`` without the ``[sources.<name>]`` table and its sub-tables; whether it was there."""
    prefix = f"sources.{name}"
    kept: list[str] = []
    inside = found = False
    for line in text.splitlines(keepends=True):
        header = _HEADER.match(line)
        if header:
            table = header.group(1).replace('"', "").replace(" ", "")
            inside = table == prefix or table.startswith(prefix + ".")
            found = found or inside
        if not inside:
            kept.append(line)
    return "".join(kept), found


def _check_and_write(path: Path, original: str, text: str, root: Path) -> None:
    path.write_text(text, encoding="utf-8")
    try:
        from aimass.settings import read_settings

        settings = read_settings(path)
        for name, entry in settings.sources.items():
            parse_source({"name": name, **entry}, f"{path}: [sources.{name}]", root, strict=False)
    except BaseException:
        path.write_text(original, encoding="utf-8")
        raise


def add_source(
    workspace: Workspace | Path | str, name: str, kind: str, assignments: list[str], *, replace: bool = False
) -> dict[str, Any]:
    """Declare a source as ``[sources.<name>]`` in ``aimass.toml``.

    Parameters
    ----------
    workspace : Workspace or path of its folder
    name : str
        The source's name; also its raw table unless ``name=`` is among the assignments.
    kind : str
        The source kind (``files``, ``http``, ``sql``, ``sftp``, ``web``).
    assignments : list of str
        ``KEY=VALUE`` settings of the kind (see :func:`parse_assignments`).
    replace : bool, default False
        Replace a source of that name in ``aimass.toml``.

    Returns
    -------
    dict
        The entry written (references such as ``${VAR}`` as given).

    Raises
    ------
    ConfigError
        The name is taken (here or in ``sources.yaml``), or the settings are not valid for the kind
        (nothing is written then).
    """
    from aimass.settings import _dump_toml

    if not _NAME.match(name):
        raise ConfigError(
            f"source name {name!r} must be letters, digits, _ or - (starting with a letter or _)"
        )
    root = _root(workspace)
    path = root / SETTINGS_FILE
    entry = {"kind": kind, **parse_assignments(assignments)}
    parse_source({"name": name, **entry}, f"source {name!r}", root, strict=False)
    yaml_path = root / SOURCES_FILE
    if yaml_path.is_file() and name in {source.name for source in declared_sources(yaml_path)}:
        raise ConfigError(f"a source {name!r} is declared in {yaml_path} already; pick another name")
    original = path.read_text(encoding="utf-8") if path.is_file() else ""
    text, found = _cut(original, name)
    if found and not replace:
        raise ConfigError(f"{path} declares a source {name!r} already; give --force to replace it")
    try:
        block = _dump_toml({"sources": {name: entry}}).lstrip("\n")
    except TypeError as error:
        raise ConfigError(f"source {name!r}: {error}") from None
    text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + block.rstrip("\n") + "\n"
    _check_and_write(path, original, text, root)
    return entry


def remove_source(workspace: Workspace | Path | str, name: str) -> Path:
    """Remove ``[sources.<name>]`` from ``aimass.toml``; the file changed.

    Raises
    ------
    ConfigError
        When ``aimass.toml`` has no such source (the message says if ``sources.yaml`` has it).
    """
    root = _root(workspace)
    path = root / SETTINGS_FILE
    original = path.read_text(encoding="utf-8") if path.is_file() else ""
    text, found = _cut(original, name)
    if not found:
        where = root / SOURCES_FILE
        elsewhere = where.is_file() and name in {source.name for source in declared_sources(where)}
        hint = f"; it is declared in {where}: edit that file" if elsewhere else ""
        raise ConfigError(f"{path} declares no source {name!r}{hint}")
    _check_and_write(path, original, text.rstrip("\n") + "\n", root)
    return path
