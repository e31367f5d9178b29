"""Declared sources: ``[sources.<name>]`` in ``aimass.toml`` and/or ``sources.yaml``, and loading them.

.. code-block:: toml

    [sources.shop_orders]
    kind = "sql"
    url = "postgresql://shop:${SHOP_DB_PASSWORD}@db.local/sales"
    table = "orders"
    mode = "merge"
    primary_key = ["order_id"]
    cursor = "updated_at"

.. code-block:: yaml

    sources:
      - name: campaigns
        kind: http
        url: ${AIMASS_DEMO_API:-http://127.0.0.1:8765}/v1/campaigns
        record_path: data

In ``aimass.toml`` the table key names the source and, unless the entry gives ``name``, its raw
table. String values may hold ``${VAR}`` or ``${VAR:-default}`` (from the environment); a value
``secret: NAME`` is looked up in ``.aimass/secrets.toml``. Each kind's entry is validated by the
``CONFIG`` model of its package in :data:`KIND_PACKAGES`.
"""

from __future__ import annotations

import importlib
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ValidationError

from aimass._validation import read_yaml, validation_problems
from aimass.exceptions import AimassError, ConfigError
from aimass.ingest._load import raw_target
from aimass.ingest._result import LoadResult
from aimass.ingest._secrets import mask, remember_secret, resolve_secret

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = [
    "KIND_PACKAGES",
    "SOURCES_FILE",
    "SOURCE_KINDS",
    "DeclaredSource",
    "SourceConfig",
    "SourceOutcome",
    "SourceProgress",
    "declared_sources",
    "expand_env",
    "find_source",
    "ingest_sources",
    "read_sources",
    "run_sources",
    "source_kinds",
]

SOURCES_FILE = "sources.yaml"
SETTINGS_FILE = "aimass.toml"
#: The packages whose ``CONFIG`` model defines a source kind.
KIND_PACKAGES: tuple[str, ...] = (
    "aimass.ingest.files",
    "aimass.ingest.http",
    "aimass.ingest.sql",
    "aimass.ingest.sftp",
    "aimass.ingest.web",
)
#: The kinds every installation has (the packages of :data:`KIND_PACKAGES` that import).
SOURCE_KINDS: tuple[str, ...] = ("files", "http", "sql", "sftp", "web")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SENSITIVE = re.compile(r"pass|token|secret|api_?key|auth|credential|private", re.IGNORECASE)
_YAML_EXAMPLE = """sources:
  - name: orders
    kind: files
    path: exports/orders.csv"""
_EXAMPLE = """[sources.orders]
kind = "files"
path = "exports/orders.csv\""""


class SourceConfig(Protocol):
    """What every kind's config model has (pydantic, ``extra="forbid"``)."""

    @property
    def kind(self) -> str:
        """The kind, e.g. ``"sql"``."""

    @property
    def name(self) -> str:
        """The raw table."""

    @property
    def mode(self) -> str:
        """``replace``, ``append`` or ``merge``."""

    def ingest(self, workspace: Workspace) -> LoadResult:
        """Load the source into its raw table."""

    def model_dump(self, *, mode: str = "python", exclude_none: bool = False) -> dict[str, Any]:
        """The settings as plain values."""


#: Called with ("start" | "done" | "failed", source, index, total).
SourceProgress = Callable[[str, "DeclaredSource", int, int], None]


@dataclass(frozen=True)
class DeclaredSource:
    """One declared source.

    Parameters
    ----------
    name : str
        The source's name (the ``[sources.<name>]`` key, or ``name`` in ``sources.yaml``).
    config : SourceConfig
        The validated model of its kind.
    origin : Path
        The file that declares it.
    declared : dict
        The entry as written (``${VAR}`` and ``secret:`` references not resolved): safe to show.
    """

    name: str
    config: SourceConfig
    origin: Path
    declared: dict[str, Any]

    @property
    def kind(self) -> str:
        """The source kind."""
        return self.config.kind

    @property
    def target(self) -> str:
        """The raw table, qualified."""
        return str(raw_target(self.config.name))


@dataclass(frozen=True)
class SourceOutcome:
    """What happened to one source in :func:`run_sources`: its result, or the error that stopped it."""

    source: DeclaredSource
    result: LoadResult | None
    error: AimassError | None
    seconds: float

    @property
    def status(self) -> str:
        """``ok`` or ``failed``."""
        return "ok" if self.error is None else "failed"


def _module_config(module: Any) -> type[BaseModel] | None:
    config = getattr(module, "CONFIG", None)
    if isinstance(config, type) and issubclass(config, BaseModel):
        return config
    for name in getattr(module, "__all__", ()):  # a package that has not set CONFIG yet
        value = getattr(module, name, None)
        if name.endswith("SourceConfig") and isinstance(value, type) and issubclass(value, BaseModel):
            return value
    return None


def _kind_of(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("kind")
    args = getattr(field.annotation, "__args__", ()) if field is not None else ()
    return str(args[0]) if args else None


@cache
def source_kinds() -> dict[str, type[BaseModel]]:
    """Each source kind and its config model, from the packages of :data:`KIND_PACKAGES`."""
    kinds: dict[str, type[BaseModel]] = {}
    for package in KIND_PACKAGES:
        try:
            module = importlib.import_module(package)
        except ModuleNotFoundError as error:
            if error.name is not None and package.startswith(error.name):
                continue  # that kind is not part of this installation
            raise
        model = _module_config(module)
        if model is not None and (kind := _kind_of(model)) is not None:
            kinds[kind] = model
    return kinds


def expand_env(text: str, where: str = "value", environ: dict[str, str] | None = None) -> str:
    """Replace ``${VAR}`` and ``${VAR:-default}`` with environment values.

    Raises
    ------
    ConfigError
        When a variable without a default is not set.

    Examples
    --------
    >>> expand_env("${AIMASS_NOT_SET_ANYWHERE:-http://127.0.0.1:8765}/v1")
    'http://127.0.0.1:8765/v1'
    """
    values = os.environ if environ is None else environ

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in values:
            return values[name]
        if default is not None:
            return default
        raise ConfigError(
            f"{where}: the environment variable {name} is not set and has no default; set it, or write "
            f"${{{name}:-default}}"
        )

    return _VARIABLE.sub(replace, text)


def _expand(value: Any, where: str, root: Path, sensitive: bool = False, strict: bool = True) -> Any:
    if isinstance(value, str):
        if value.strip().startswith("secret:"):
            return resolve_secret(root, value, where=where) if strict else value
        try:
            expanded = expand_env(value, where)
        except ConfigError:
            if strict:
                raise
            return value  # checking a declaration before its variables are set: keep the reference
        if sensitive and expanded != value:
            for match in _VARIABLE.finditer(value):
                remember_secret(os.environ.get(match.group(1), ""))
            remember_secret(expanded)
        return expanded
    if isinstance(value, dict):
        return {
            key: _expand(item, f"{where}.{key}", root, sensitive or bool(_SENSITIVE.search(str(key))), strict)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            _expand(item, f"{where}[{index}]", root, sensitive, strict) for index, item in enumerate(value)
        ]
    return value


def parse_source(entry: dict[str, Any], label: str, root: Path, *, strict: bool = True) -> SourceConfig:
    """Validate one declared entry (with ``kind``) into its kind's model.

    With ``strict=False``, ``${VAR}`` references to unset variables and ``secret:`` references are
    kept as written (for checking a declaration before the secrets exist).

    Raises
    ------
    ConfigError
        Naming ``label``, the key and what is allowed; secret values are masked.
    """
    kinds = source_kinds()
    kind = entry.get("kind")
    if kind not in kinds:
        raise ConfigError(f"{label}: kind={kind!r} is not allowed; use one of {', '.join(kinds)}")
    model = kinds[str(kind)]
    expanded = _expand(entry, label, root, strict=strict)
    try:
        config: SourceConfig = model.model_validate(expanded)  # type: ignore[assignment]
    except ValidationError as error:
        problems = validation_problems(error, skip=tuple(kinds))
        lines = "\n".join(f"  - {mask(line)}" for line in problems)
        raise ConfigError(
            f"{label} is not valid:\n{lines}\n  keys of a {kind} source: {', '.join(model.model_fields)}"
        ) from None
    try:
        raw_target(config.name)
    except ConfigError as error:
        raise ConfigError(f"{label}: name: {error}") from None
    return config


def _root_of(workspace: Workspace | Path | str) -> Path:
    return Path(workspace.root) if not isinstance(workspace, Path | str) else Path(workspace)


def _from_yaml(path: Path, root: Path) -> list[DeclaredSource]:
    document = read_yaml(path, missing=f"there is no {path}")
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise ConfigError(
            f"{path} must hold a list under `sources:`, e.g.\nsources:\n  - name: orders\n    ..."
        )
    if extra := sorted(set(document) - {"sources"}):
        raise ConfigError(f"{path}: unknown top-level key(s) {', '.join(extra)}; only `sources` is allowed")
    declared = []
    for index, entry in enumerate(document["sources"]):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: sources[{index}] must be a mapping with name, kind and its settings")
        label = f"{path}: source {entry.get('name', f'#{index + 1}')!r} (sources[{index}])"
        config = parse_source(entry, label, root)
        declared.append(DeclaredSource(str(entry["name"]), config, path, dict(entry)))
    return declared


def _from_toml(path: Path, entries: dict[str, dict[str, Any]], root: Path) -> list[DeclaredSource]:
    declared = []
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: [sources.{name}] must be a table with kind and its settings")
        full = {"name": name, **entry}
        config = parse_source(full, f"{path}: [sources.{name}]", root)
        declared.append(DeclaredSource(name, config, path, dict(entry)))
    return declared


def _toml_entries(workspace: Workspace | Path | str, root: Path) -> dict[str, dict[str, Any]]:
    settings = getattr(workspace, "settings", None)
    if settings is None:
        path = root / SETTINGS_FILE
        if not path.is_file():
            return {}
        from aimass.settings import read_settings

        settings = read_settings(path)
    return dict(getattr(settings, "sources", {}) or {})


def declared_sources(workspace: Workspace | Path | str) -> list[DeclaredSource]:
    """Every source of ``aimass.toml`` (first) and ``sources.yaml``, validated.

    Parameters
    ----------
    workspace : Workspace, or path of its folder (or of a ``sources.yaml`` file)

    Returns
    -------
    list of DeclaredSource
        ``aimass.toml`` sources in file order, then ``sources.yaml`` sources in file order.

    Raises
    ------
    ConfigError
        When no source is declared anywhere (the message shows how to declare one), a name is
        declared in both files, two replace-mode sources write one table, or an entry is not
        valid (the message names the file, the source and the key).
    """
    base = _root_of(workspace)
    if base.suffix in (".yaml", ".yml"):
        return _check_unique(_from_yaml(base, base.parent))
    yaml_path = base / SOURCES_FILE
    found = _from_toml(base / SETTINGS_FILE, _toml_entries(workspace, base), base)
    if yaml_path.is_file():
        from_yaml = _from_yaml(yaml_path, base)
        toml_names = {source.name for source in found}
        if clash := sorted(source.name for source in from_yaml if source.name in toml_names):
            raise ConfigError(
                f"source {', '.join(map(repr, clash))} is declared in both {base / SETTINGS_FILE} and "
                f"{yaml_path}; keep one of them (or rename one)"
            )
        found += from_yaml
    if not found:
        raise ConfigError(
            f"no sources are declared in {base}: there is no {SOURCES_FILE} and no [sources.*] in "
            f"{SETTINGS_FILE}; add them to {SETTINGS_FILE}, e.g.\n{_EXAMPLE}\n"
            f"or `aimass source add NAME --kind KIND --set key=value`, or list them in {SOURCES_FILE}:\n"
            f"{_YAML_EXAMPLE}\n(kinds: {', '.join(source_kinds())}), or load one file directly with "
            "`aimass ingest FILE`"
        )
    return _check_unique(found)


def _check_unique(found: list[DeclaredSource]) -> list[DeclaredSource]:
    seen: dict[str, DeclaredSource] = {}
    for source in found:
        if source.target in seen and source.config.mode == "replace":
            first = seen[source.target]
            raise ConfigError(
                f"sources {first.name!r} ({first.origin}) and {source.name!r} ({source.origin}) both write "
                f"{source.target}; the second would replace the first (give it mode: append or mode: merge, "
                "or another name)"
            )
        seen.setdefault(source.target, source)
    return found


def read_sources(workspace: Workspace | Path | str) -> list[SourceConfig]:
    """The config models of :func:`declared_sources`, in the same order."""
    return [source.config for source in declared_sources(workspace)]


def find_source(workspace: Workspace | Path | str, name: str) -> DeclaredSource:
    """The declared source called ``name`` (or writing the raw table ``name``).

    Raises
    ------
    ConfigError
        When there is none; the message lists the sources.
    """
    return _select(declared_sources(workspace), [name])[0]


def _select(declared: list[DeclaredSource], names: Iterable[str] | None) -> list[DeclaredSource]:
    if names is None:
        return declared
    wanted = list(names)

    def matches(source: DeclaredSource, name: str) -> bool:
        return name == source.name or (name.count(".") <= 1 and _safe_target(name) == source.target)

    if missing := [name for name in wanted if not any(matches(source, name) for source in declared)]:
        known = ", ".join(sorted(source.name for source in declared))
        raise ConfigError(f"no source named {', '.join(missing)}; the sources are {known}")
    return [source for source in declared if any(matches(source, name) for name in wanted)]


def _safe_target(name: str) -> str | None:
    try:
        return str(raw_target(name))
    except ConfigError:
        return None


def _prefixed(error: AimassError, prefix: str) -> AimassError:
    """The same kind of error, its message starting with ``prefix``."""
    try:
        return type(error)(f"{prefix}: {error}")
    except TypeError:  # an error class that needs more than a message
        return error


def run_sources(
    workspace: Workspace,
    names: Iterable[str] | None = None,
    progress: SourceProgress | None = None,
    *,
    keep_going: bool = True,
) -> list[SourceOutcome]:
    """Load the declared sources (all, or those named by source name or raw table), in order.

    Parameters
    ----------
    workspace : Workspace
    names : iterable of str, optional
        Source names or raw tables; every source when omitted.
    progress : callable, optional
        ``progress(event, source, index, total)`` with event ``start``, ``done`` or ``failed``.
    keep_going : bool, default True
        Go on with the next source after one fails (its error is in its outcome); when False,
        stop at the first failure and raise it.

    Returns
    -------
    list of SourceOutcome
        One per source run; a failed source left its table as it was.
    """
    chosen = _select(declared_sources(workspace), names)
    outcomes: list[SourceOutcome] = []
    for index, source in enumerate(chosen):
        if progress:
            progress("start", source, index, len(chosen))
        started = time.perf_counter()
        try:
            result = source.config.ingest(workspace)
        except AimassError as error:
            if progress:
                progress("failed", source, index, len(chosen))
            failed = _prefixed(error, f"source {source.name!r} ({index + 1} of {len(chosen)})")
            if not keep_going:
                raise failed from error
            outcomes.append(SourceOutcome(source, None, failed, round(time.perf_counter() - started, 3)))
            continue
        if progress:
            progress("done", source, index, len(chosen))
        outcomes.append(SourceOutcome(source, result, None, round(time.perf_counter() - started, 3)))
    return outcomes


def ingest_sources(
    workspace: Workspace, names: Iterable[str] | None = None, progress: SourceProgress | None = None
) -> list[LoadResult]:
    """Load the declared sources, stopping at the first that fails.

    Raises
    ------
    IngestError or ConfigError
        From the first source that fails, its message prefixed with the source; the sources
        loaded before it stay loaded, the failed one leaves its table as it was.
    """
    outcomes = run_sources(workspace, names, progress, keep_going=False)
    return [outcome.result for outcome in outcomes if outcome.result is not None]
