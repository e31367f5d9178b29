"""Reading configuration files and turning validation errors into sentences a user can act on.

Settings (``aimass.toml``), sources (``sources.yaml``), mappings (``mapping.yaml``) and step
parameters all report problems the same way: one line per problem, ``where: what is wrong (got
the value given)``.
"""

from __future__ import annotations

from collections.abc import Container
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aimass.exceptions import ConfigError

__all__ = ["read_yaml", "validation_problems"]


def validation_problems(error: ValidationError, *, skip: Container[str] = ()) -> list[str]:
    """One line per problem in ``error``: ``a.b: message (got value)``.

    Parameters
    ----------
    error : pydantic.ValidationError
        The error to describe.
    skip : container of str
        Location parts to leave out (e.g. the tags of a discriminated union).

    Examples
    --------
    >>> from pydantic import BaseModel
    >>> class Server(BaseModel):
    ...     port: int
    >>> try:
    ...     Server.model_validate({"port": "eighty"})
    ... except ValidationError as error:
    ...     validation_problems(error)
    ["port: Input should be a valid integer, unable to parse string as an integer (got 'eighty')"]
    """
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if str(part) not in skip)
        message = str(item["msg"]).removeprefix("Value error, ")
        given = item.get("input")
        if item["type"] == "missing":
            message = "this key is required"
        elif item["type"] not in ("value_error", "assertion_error") and not isinstance(given, dict):
            message = f"{message} (got {given!r})"
        lines.append(f"{where}: {message}" if where else message)
    return lines


def read_yaml(path: Path, *, missing: str) -> Any:
    """Load a YAML file, with errors that name the file.

    Parameters
    ----------
    path : Path
        The file.
    missing : str
        What to tell the user when the file does not exist (how to create it).

    Raises
    ------
    ConfigError
        When the file is missing, not UTF-8, or not valid YAML.
    """
    if not path.is_file():
        raise ConfigError(missing)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
