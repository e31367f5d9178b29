"""Where the server listens: `[server]` in aimass.toml, `AIMASS_PORT` or the command line, checked first."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

from aimass.exceptions import ConfigError
from aimass.settings import ServerSettings

__all__ = ["PORT_ENV", "check_listen_address", "listen_address"]

PORT_ENV = "AIMASS_PORT"


def listen_address(
    settings: ServerSettings,
    host: str | None = None,
    port: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[str, int]:
    """The host and port to listen on: explicit values, else ``$AIMASS_PORT``, else the settings.

    Parameters
    ----------
    settings : ServerSettings
        The ``[server]`` table of ``aimass.toml``.
    host : str, optional
        The ``--host`` option.
    port : int, optional
        The ``--port`` option; wins over ``AIMASS_PORT``.
    environ : mapping, optional
        The environment (``os.environ`` when omitted).

    Returns
    -------
    tuple of (str, int)
        Host and port, the port between 1 and 65535.

    Raises
    ------
    ConfigError
        When ``AIMASS_PORT`` is not a number or the port is out of range.

    Examples
    --------
    >>> from aimass.settings import ServerSettings
    >>> listen_address(ServerSettings(), environ={"AIMASS_PORT": "9000"})
    ('127.0.0.1', 9000)
    >>> listen_address(ServerSettings(), port=8123, environ={"AIMASS_PORT": "9000"})
    ('127.0.0.1', 8123)
    """
    environment = os.environ if environ is None else environ
    chosen = port
    if chosen is None:
        text = environment.get(PORT_ENV, "").strip()
        if text and not text.isdigit():
            raise ConfigError(f"${PORT_ENV}={text!r} must be a port number between 1 and 65535")
        chosen = int(text) if text else settings.port
    if not 1 <= chosen <= 65535:
        raise ConfigError(f"port {chosen} is out of range: use a number between 1 and 65535")
    return (host or settings.host).strip() or settings.host, chosen


def check_listen_address(host: str, port: int) -> None:
    """Make sure ``host:port`` can be listened on now, before the server starts.

    Parameters
    ----------
    host : str
        An address or host name, e.g. ``"127.0.0.1"`` or ``"0.0.0.0"``.
    port : int
        The port, 1 to 65535.

    Raises
    ------
    ConfigError
        When the port is out of range, the host does not resolve, or the port is already in use.
    """
    if not 1 <= port <= 65535:
        raise ConfigError(f"port {port} is out of range: use a number between 1 and 65535")
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ConfigError(
            f"cannot listen on host {host!r}: {error.strerror}; use an address such as 127.0.0.1"
        ) from None
    family, kind, protocol, _, address = addresses[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as error:
            raise ConfigError(
                f"cannot listen on {host}:{port}: {error.strerror or error}. Another program (an earlier "
                f"`aimass serve`?) may be using the port; stop it or pick another with --port or ${PORT_ENV}"
            ) from None
