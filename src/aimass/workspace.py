"""The workspace: one folder with ``aimass.toml``, the warehouse and the model/report folders.

:meth:`Workspace.open` is the one entry point the library, the CLI and the server share.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from aimass.exceptions import ConfigError, WorkspaceNotFoundError
from aimass.settings import SETTINGS_FILE, Settings, read_settings

if TYPE_CHECKING:
    from aimass.engine import Engine

__all__ = ["WORKSPACE_ENV", "Workspace", "find_workspace"]

WORKSPACE_ENV = "AIMASS_WORKSPACE"


def find_workspace(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Path:
    """Locate the workspace root.

    The order is: ``explicit`` (the ``--workspace`` option), else the ``AIMASS_WORKSPACE``
    environment variable, else the nearest folder at or above ``start`` (default: the current
    directory) that holds an ``aimass.toml``.

    Parameters
    ----------
    explicit : path-like, optional
        A workspace folder, or its ``aimass.toml``.
    start : Path, optional
        Where the upward search begins.

    Returns
    -------
    Path
        The workspace root folder (absolute).

    Raises
    ------
    WorkspaceNotFoundError
        When the given folder has no ``aimass.toml``, or none was found.
    """
    if explicit is not None and str(explicit) != "":
        return _root_of(Path(explicit), "--workspace")
    from_env = os.environ.get(WORKSPACE_ENV)
    if from_env:
        return _root_of(Path(from_env), f"${WORKSPACE_ENV}")
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise WorkspaceNotFoundError(
        f"no workspace found: there is no {SETTINGS_FILE} in {here} or any folder above it. "
        f"Create one with `aimass init DIR`, or name one with --workspace PATH or ${WORKSPACE_ENV}."
    )


def _root_of(path: Path, given_as: str) -> Path:
    path = path.expanduser().resolve()
    if path.name == SETTINGS_FILE and path.is_file():
        return path.parent
    if (path / SETTINGS_FILE).is_file():
        return path
    if not path.exists():
        raise WorkspaceNotFoundError(f"{given_as} points to {path}, which does not exist")
    raise WorkspaceNotFoundError(
        f"{given_as} points to {path}, which has no {SETTINGS_FILE}; create it with `aimass init {path}`"
    )


@dataclass
class Workspace:
    """An opened workspace.

    Use :meth:`open` or :meth:`init` rather than the constructor. The warehouse connection is
    opened on first use of :attr:`engine` and closed by :meth:`close` (or the ``with`` block).

    Examples
    --------
    >>> import tempfile
    >>> from aimass import Workspace
    >>> root = tempfile.mkdtemp()
    >>> with Workspace.init(root) as ws:
    ...     sorted(ws.engine.list_tables(schema="meta"))[:3]
    ['meta.loads', 'meta.models', 'meta.quality_results']
    """

    root: Path
    settings: Settings
    read_only: bool = False
    _engine: Engine | None = field(default=None, repr=False)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, read_only: bool = False, start: Path | None = None
    ) -> Workspace:
        """Open an existing workspace (see :func:`find_workspace` for how ``path`` is resolved)."""
        root = find_workspace(path, start=start)
        return cls(root=root, settings=read_settings(root / SETTINGS_FILE), read_only=read_only)

    @classmethod
    def init(
        cls, path: str | os.PathLike[str], settings: Settings | None = None, *, exist_ok: bool = False
    ) -> Workspace:
        """Create a workspace: write ``aimass.toml``, make the folders and the warehouse.

        Parameters
        ----------
        path : path-like
            The workspace folder; created if missing.
        settings : Settings, optional
            Settings to write; defaults are used when omitted.
        exist_ok : bool, default False
            When False, refuse a folder that already holds an ``aimass.toml``.

        Raises
        ------
        ConfigError
            When the folder is already a workspace and ``exist_ok`` is False, or is a file.
        """
        root = Path(path).expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise ConfigError(f"{root} exists and is not a folder")
        settings_path = root / SETTINGS_FILE
        if settings_path.exists() and not exist_ok:
            raise ConfigError(f"{root} is already a workspace ({SETTINGS_FILE} exists); open it instead")
        root.mkdir(parents=True, exist_ok=True)
        settings = settings or Settings(name=root.name or "workspace")
        if not settings_path.exists():
            settings_path.write_text(settings.to_toml(), encoding="utf-8")
        else:
            settings = read_settings(settings_path)
        workspace = cls(root=root, settings=settings)
        for folder in (workspace.models_dir, workspace.reports_dir):
            folder.mkdir(parents=True, exist_ok=True)
        workspace.engine  # noqa: B018  (creates the warehouse, its schemas and meta tables)
        return workspace

    def resolve(self, relative: str) -> Path:
        """A path inside the workspace (absolute paths are returned unchanged)."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    @property
    def models_dir(self) -> Path:
        """Where trained models are saved (``models/<name>/<version>/``)."""
        return self.resolve(self.settings.paths.models)

    @property
    def reports_dir(self) -> Path:
        """Where rendered reports are written."""
        return self.resolve(self.settings.paths.reports)

    @property
    def exports_dir(self) -> Path:
        """Where source exports (files handed over by the company) live."""
        return self.resolve(self.settings.paths.exports)

    @property
    def truth_dir(self) -> Path:
        """Ground truth of a generated demo world (absent in real workspaces)."""
        return self.resolve(self.settings.paths.truth)

    @property
    def secrets_dir(self) -> Path:
        """Private state (API key hashes); created with owner-only permissions."""
        folder = self.resolve(self.settings.paths.secrets)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder

    @property
    def engine(self) -> Engine:
        """The warehouse connection, opened on first use."""
        if self._engine is None:
            from aimass.engine import connect

            self._engine = connect(self.settings.engine, root=self.root, read_only=self.read_only)
        return self._engine

    def close(self) -> None:
        """Close the warehouse connection if it is open."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
