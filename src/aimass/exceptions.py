"""One error hierarchy for the whole platform.

Every error raised on purpose by AI Mass is an :class:`AimassError`. Subclasses also inherit the
built-in exception they correspond to, so ``except ValueError`` keeps working for callers who do
not know our names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AimassError",
    "AimassWarning",
    "ConfigError",
    "EngineError",
    "IngestError",
    "MissingDependencyError",
    "NotFittedError",
    "SchemaError",
    "StepError",
    "TableNotFoundError",
    "TerminalSourceError",
    "TransientSourceError",
    "WarehouseLockedError",
    "WorkspaceNotFoundError",
]


class AimassError(Exception):
    """Base class of every error AI Mass raises on purpose."""


class AimassWarning(UserWarning):
    """Base class of every warning AI Mass emits."""


class ConfigError(AimassError, ValueError):
    """A setting, option or configuration file is invalid; the message says what is allowed."""


class WorkspaceNotFoundError(AimassError, FileNotFoundError):
    """No workspace was given and none was found at or above the current directory."""


class EngineError(AimassError, RuntimeError):
    """The warehouse could not do what was asked (locked, closed, failed statement)."""


class WarehouseLockedError(EngineError):
    """Another process holds the warehouse's write lock; waiting and retrying can help."""


class TableNotFoundError(AimassError, KeyError):
    """A table name does not exist in the warehouse."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the plain sentence.
        return str(self.args[0]) if self.args else ""


class SchemaError(AimassError, ValueError):
    """Data does not fit a declared table schema.

    Parameters
    ----------
    message : str
        What was wrong and what was expected.
    table : str, optional
        The table being written, e.g. ``"core.orders"``.
    column : str, optional
        The offending column, when there is one.
    samples : sequence of dict, optional
        A few offending rows, to show the user.
    """

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        column: str | None = None,
        samples: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.table = table
        self.column = column
        self.samples = list(samples)
        text = message
        if self.samples:
            shown = "; ".join(repr(row) for row in self.samples[:5])
            text = f"{message}. Offending rows: {shown}"
        super().__init__(text)


class IngestError(AimassError, ValueError):
    """A source could not be loaded; nothing was written."""


class TransientSourceError(IngestError):
    """A source failed in a way that a retry may fix (timeout, 5xx, connection reset)."""


class TerminalSourceError(IngestError):
    """A source failed in a way that a retry will not fix (bad credentials, malformed data)."""


class StepError(AimassError, RuntimeError):
    """A pipeline step failed or cannot run (unknown name, missing input table)."""


class NotFittedError(AimassError, ValueError, AttributeError):
    """An estimator was used before ``fit``."""


class MissingDependencyError(AimassError, ImportError):
    """An optional extra is needed; the message gives the exact ``pip install`` line.

    Parameters
    ----------
    feature : str
        What the user tried to do.
    extra : str
        The name of the extra that provides it, e.g. ``"spark"``.
    """

    def __init__(self, feature: str, extra: str) -> None:
        self.feature = feature
        self.extra = extra
        super().__init__(f'{feature} needs the optional extra `{extra}`: pip install "aimass[{extra}]"')
