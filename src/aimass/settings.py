"""Typed workspace settings, read from and written to ``aimass.toml``.

Unknown keys are rejected so a typo never passes silently; every error names the key, the bad
value and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aimass._typing import EngineKind
from aimass._validation import validation_problems
from aimass.exceptions import ConfigError

__all__ = ["EngineSettings", "PathSettings", "ServerSettings", "Settings", "SparkSettings", "read_settings"]

SETTINGS_FILE = "aimass.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SparkSettings(_Strict):
    """Spark connection settings, used when ``engine.kind = "spark"``."""

    master: str = "local[2]"
    app_name: str = "aimass"
    conf: dict[str, str] = Field(default_factory=dict)


class EngineSettings(_Strict):
    """Which warehouse to use and how."""

    kind: EngineKind = "duckdb"
    path: str = "warehouse.duckdb"
    threads: Annotated[int, Field(ge=1, le=256)] | None = None
    memory_limit: str | None = None
    spark: SparkSettings = Field(default_factory=SparkSettings)

    @field_validator("memory_limit")
    @classmethod
    def _check_memory_limit(cls, value: str | None) -> str | None:
        if value is None:
            return value
        units = ("KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB")
        number = value.strip()
        for unit in units:
            if number.upper().endswith(unit.upper()):
                number = number[: -len(unit)].strip()
                break
        else:
            raise ValueError(f"memory_limit={value!r} needs a unit, one of {', '.join(units)} (e.g. '4GB')")
        try:
            float(number)
        except ValueError:
            raise ValueError(
                f"memory_limit={value!r} must be a number followed by a unit (e.g. '4GB')"
            ) from None
        return value


class PathSettings(_Strict):
    """Folders inside the workspace, relative to its root unless absolute."""

    models: str = "models"
    reports: str = "reports"
    exports: str = "exports"
    truth: str = "truth"
    secrets: str = ".aimass"


class ServerSettings(_Strict):
    """Where ``aimass serve`` listens; ``AIMASS_PORT`` overrides ``port``."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    workers: Annotated[int, Field(ge=1, le=64)] = 1


class Settings(_Strict):
    """The whole of ``aimass.toml``."""

    name: str = "workspace"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "CNY"
    timezone: str = "UTC"
    engine: EngineSettings = Field(default_factory=EngineSettings)
    paths: PathSettings = Field(default_factory=PathSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    steps: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per-step parameters, `[steps.<name>]`; each step validates its own"
    )
    sources: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="declared sources, `[sources.<name>]`; each is validated by its kind's config model",
    )

    def to_toml(self) -> str:
        """Render the settings as TOML text (the inverse of :func:`read_settings`)."""
        return _dump_toml(self.model_dump(exclude_none=True))


def parse_settings(data: dict[str, Any], source: str = "settings") -> Settings:
    """Validate a settings mapping, raising :class:`ConfigError` with every problem listed."""
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        problems = "\n".join(f"  - {line}" for line in validation_problems(error))
        raise ConfigError(f"{source} is not valid:\n{problems}") from None


def read_settings(path: Path) -> Settings:
    """Read and validate ``aimass.toml``.

    Parameters
    ----------
    path : Path
        The settings file.

    Raises
    ------
    ConfigError
        When the file is not TOML or a value is not allowed.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    return parse_settings(data, source=str(path))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _dump_toml(data: dict[str, Any], prefix: str = "") -> str:
    scalars = [f"{key} = {_toml_value(value)}" for key, value in data.items() if not isinstance(value, dict)]
    out = "\n".join(scalars) + ("\n" if scalars else "")
    for key, value in data.items():
        if isinstance(value, dict):
            name = f"{prefix}{key}"
            body = _dump_toml(value, prefix=f"{name}.")
            if any(not isinstance(v, dict) for v in value.values()) or not value:
                out += f"\n[{name}]\n"
            out += body
    return out
