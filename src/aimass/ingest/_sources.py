"""``sources.yaml``: the list of sources a workspace loads, and loading them all.

.. code-block:: yaml

    sources:
      - name: orders
        kind: files
        path: exports/orders.csv
        options: {text_columns: [Customer ID]}
      - name: campaigns
        kind: http
        url: ${AIMASS_DEMO_API:-http://127.0.0.1:8765}/v1/campaigns
        record_path: data
        pagination: {style: page_number, page_param: page, size_param: per_page, size: 5}

String values may hold ``${VAR}`` or ``${VAR:-default}``, replaced from the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from aimass._validation import read_yaml, validation_problems
from aimass.exceptions import AimassError, ConfigError
from aimass.ingest._load import raw_target
from aimass.ingest._result import LoadResult
from aimass.ingest.files.config import FileSourceConfig
from aimass.ingest.http.config import HttpSourceConfig

if TYPE_CHECKING:
    from aimass.workspace import Workspace

__all__ = ["SOURCES_FILE", "SOURCE_KINDS", "SourceConfig", "expand_env", "ingest_sources", "read_sources"]

SOURCES_FILE = "sources.yaml"
#: One config model per source kind; a new source adds its model here.
SourceConfig = Annotated[FileSourceConfig | HttpSourceConfig, Field(discriminator="kind")]
SOURCE_KINDS: tuple[str, ...] = ("files", "http")
_ADAPTER: TypeAdapter[FileSourceConfig | HttpSourceConfig] = TypeAdapter(SourceConfig)
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_EXAMPLE = """sources:
  - name: orders
    kind: files
    path: exports/orders.csv"""

#: Called with ("start" | "done" | "failed", source, index, total).
SourceProgress = Callable[[str, FileSourceConfig | HttpSourceConfig, int, int], None]


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


def _expand(value: Any, where: str) -> Any:
    if isinstance(value, str):
        return expand_env(value, where)
    if isinstance(value, dict):
        return {key: _expand(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return value


def _validation_message(label: str, error: ValidationError) -> str:
    problems = validation_problems(error, skip=SOURCE_KINDS)
    return "\n".join([f"{label} is not valid:", *(f"  - {line}" for line in problems)])


def _parse_entry(path: Path, index: int, entry: Any) -> FileSourceConfig | HttpSourceConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: sources[{index}] must be a mapping with name, kind and its settings")
    label = f"{path}: source {entry.get('name', f'#{index + 1}')!r} (sources[{index}])"
    kind = entry.get("kind")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"{label}: kind={kind!r} is not allowed; use one of {', '.join(SOURCE_KINDS)}")
    expanded = _expand(entry, label)
    try:
        config = _ADAPTER.validate_python(expanded)
    except ValidationError as error:
        model = FileSourceConfig if kind == "files" else HttpSourceConfig
        raise ConfigError(
            f"{_validation_message(label, error)}\n  keys of a {kind} source: {', '.join(model.model_fields)}"
        ) from None
    try:
        raw_target(config.name)
    except ConfigError as error:
        raise ConfigError(f"{label}: name: {error}") from None
    return config


def read_sources(workspace: Workspace | Path | str) -> list[FileSourceConfig | HttpSourceConfig]:
    """Read and check ``sources.yaml`` in the workspace root (or the file or folder given).

    Parameters
    ----------
    workspace : Workspace, or path of the folder or the file

    Returns
    -------
    list of FileSourceConfig or HttpSourceConfig
        In file order.

    Raises
    ------
    ConfigError
        When the file is missing (the message shows how to write one), is not YAML, or an entry is
        not valid (the message names the file, the source and the key).
    """
    base = Path(workspace.root) if not isinstance(workspace, Path | str) else Path(workspace)
    path = base if base.suffix in (".yaml", ".yml") else base / SOURCES_FILE
    document = read_yaml(
        path,
        missing=f"there is no {path}: list the sources to load in it, e.g.\n{_EXAMPLE}\n"
        "(kinds: files, http), or load one file directly with `aimass ingest FILE`",
    )
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise ConfigError(f"{path} must hold a list under `sources:`, e.g.\n{_EXAMPLE}")
    if extra := sorted(set(document) - {"sources"}):
        raise ConfigError(f"{path}: unknown top-level key(s) {', '.join(extra)}; only `sources` is allowed")
    configs = [_parse_entry(path, index, entry) for index, entry in enumerate(document["sources"])]
    seen: dict[str, int] = {}
    for index, config in enumerate(configs):
        name = str(raw_target(config.name))
        if name in seen and config.mode == "replace":
            raise ConfigError(
                f"{path}: sources[{seen[name]}] and sources[{index}] both write {name}; the second would "
                "replace the first (give it mode: append, or another name)"
            )
        seen.setdefault(name, index)
    return configs


def _select(
    configs: list[FileSourceConfig | HttpSourceConfig], names: Iterable[str] | None
) -> list[FileSourceConfig | HttpSourceConfig]:
    if names is None:
        return configs
    wanted = [str(raw_target(name)) for name in names]
    known = {str(raw_target(config.name)) for config in configs}
    if missing := [name for name in wanted if name not in known]:
        raise ConfigError(
            f"no source named {', '.join(missing)} in {SOURCES_FILE}; "
            f"the sources are {', '.join(sorted(known))}"
        )
    return [config for config in configs if str(raw_target(config.name)) in wanted]


def _prefixed(error: AimassError, prefix: str) -> AimassError:
    """The same kind of error, its message starting with ``prefix``."""
    try:
        return type(error)(f"{prefix}: {error}")
    except TypeError:  # an error class that needs more than a message
        return error


def ingest_sources(
    workspace: Workspace, names: Iterable[str] | None = None, progress: SourceProgress | None = None
) -> list[LoadResult]:
    """Load the sources of ``sources.yaml`` (all, or those named), in file order.

    Parameters
    ----------
    workspace : Workspace
    names : iterable of str, optional
        Raw tables to load (``orders`` or ``raw.orders``); all sources when omitted.
    progress : callable, optional
        Told when each source starts, is done or fails: ``progress(event, source, index, total)``.

    Returns
    -------
    list of LoadResult

    Raises
    ------
    IngestError or ConfigError
        From the first source that fails, its message prefixed with the source; the sources
        loaded before it stay loaded, the failed one leaves its table as it was.
    """
    chosen = _select(read_sources(workspace), names)
    results: list[LoadResult] = []
    for index, config in enumerate(chosen):
        if progress:
            progress("start", config, index, len(chosen))
        try:
            results.append(config.ingest(workspace))
        except AimassError as error:
            if progress:
                progress("failed", config, index, len(chosen))
            raise _prefixed(error, f"source {config.name!r} ({index + 1} of {len(chosen)})") from error
        if progress:
            progress("done", config, index, len(chosen))
    return results
