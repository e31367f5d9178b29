"""Database URLs as users paste them, normalized to the drivers the project installs, and masked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aimass.exceptions import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = ["DRIVERS", "libpq_url", "mask_url", "normalize_url"]

#: The scheme a user writes -> the SQLAlchemy dialect+driver that is installed with AI Mass.
DRIVERS: dict[str, str] = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "mysql+mysqldb": "mysql+pymysql",
    "mariadb+pymysql": "mysql+pymysql",
}


def normalize_url(url: str, root: Path | None = None, password: str | None = None) -> URL:
    """Parse ``url`` and point it at an installed driver.

    Parameters
    ----------
    url : str
        ``postgresql://``, ``postgres://``, ``mysql://``, ``mariadb://``, ``sqlite:///path`` or any
        SQLAlchemy URL.
    root : Path, optional
        The folder a relative ``sqlite:///`` path starts from (the workspace); the current
        folder when omitted.
    password : str, optional
        Put into the URL (a resolved secret), replacing any password it holds.

    Returns
    -------
    sqlalchemy.engine.URL

    Raises
    ------
    ConfigError
        When the text is not a database URL.

    Examples
    --------
    >>> str(normalize_url("postgres://me@db.example.com:5432/shop"))
    'postgresql+psycopg://me@db.example.com:5432/shop'
    >>> normalize_url("sqlite:///data/shop.db", Path("/ws")).database
    '/ws/data/shop.db'
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"{url!r} is not a database URL; write e.g. postgresql://user@host:5432/db, "
            "mysql://user@host:3306/db or sqlite:///path/to/file.db"
        ) from None
    driver = DRIVERS.get(parsed.drivername, parsed.drivername)
    parsed = parsed.set(drivername=driver)
    if password is not None and parsed.get_backend_name() != "sqlite":  # a SQLite file has no password
        parsed = parsed.set(password=password)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(str(parsed.database)).expanduser()
        if not path.is_absolute():
            path = (root or Path.cwd()) / path
        parsed = parsed.set(database=str(path))
    return parsed


def mask_url(url: URL) -> str:
    """The URL for messages and ``meta.loads``: the user's scheme, the password as ``***``.

    Examples
    --------
    >>> mask_url(normalize_url("postgresql://me:secret@db:5432/shop"))
    'postgresql://me:***@db:5432/shop'
    """
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def libpq_url(url: URL) -> str:
    """The ``postgresql://`` URL libpq understands (for the native Arrow reader); holds the password."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
