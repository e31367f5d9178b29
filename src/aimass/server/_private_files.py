"""Owner-only files in the workspace's private folder: written atomically, never half-visible.

Used for the API key hashes and the dashboard's session secret. A file is written to a temporary
name in the same folder and renamed into place, so a reader sees the old content or the new one,
never a torn write; read-modify-write cycles hold an exclusive lock so two ``aimass keys create``
running at once cannot lose each other's key.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["create_once", "exclusive_lock", "private_folder", "write_private"]

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(folder: Path) -> Path:
    """Create ``folder`` if needed and make it owner-only (``0700``).

    Parameters
    ----------
    folder : Path
        The private folder, e.g. ``<workspace>/.aimass``.

    Returns
    -------
    Path
        The same folder.
    """
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(folder, FOLDER_MODE)
    return folder


def _write_temporary(folder: Path, name: str, data: bytes) -> Path:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, with mode ``0600``.

    Parameters
    ----------
    path : Path
        The file to write; its folder is made owner-only first.
    data : bytes
        The complete new content.
    """
    private_folder(path.parent)
    temporary = _write_temporary(path.parent, path.name, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def create_once(path: Path, data: bytes) -> bytes:
    """Create ``path`` holding ``data`` unless it exists; return what the file holds.

    Two processes racing here end up with the same content: the file is created complete under a
    temporary name and hard-linked into place, which fails when another process won.

    Parameters
    ----------
    path : Path
        The file, e.g. ``<workspace>/.aimass/session_secret``.
    data : bytes
        The content to store when the file does not exist yet.

    Returns
    -------
    bytes
        The content of the file (``data`` or what was already there).
    """
    if path.is_file():
        return path.read_bytes()
    private_folder(path.parent)
    temporary = _write_temporary(path.parent, path.name, data)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return path.read_bytes()
    finally:
        temporary.unlink(missing_ok=True)
    return data


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``<path>.lock`` for the duration of the block.

    Parameters
    ----------
    path : Path
        The file whose read-modify-write cycle is protected.
    """
    private_folder(path.parent)
    lock_path = path.with_name(f"{path.name}.lock")
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock
