"""SFTP failures worded for the user: what failed, where, whether a retry can help, and the fix."""

from __future__ import annotations

from aimass.exceptions import TerminalSourceError, TransientSourceError

__all__ = ["auth_failed", "host_key_changed", "host_key_mismatch", "unknown_host", "unreachable"]


def unreachable(where: str, error: BaseException, timeout: float) -> TransientSourceError:
    """The server could not be reached, or the SSH handshake broke off."""
    reason = "timed out" if isinstance(error, TimeoutError) else f"{type(error).__name__}: {error}"
    return TransientSourceError(
        f"sftp source: cannot reach {where} ({reason}, timeout {timeout:g} s). Is the server up and the "
        "port right? A retry may help once it is reachable."
    )


def auth_failed(where: str, method: str, allowed: list[str] | None = None) -> TerminalSourceError:
    """The server refused the password or key."""
    also = f" The server accepts: {', '.join(allowed)}." if allowed else ""
    return TerminalSourceError(
        f"sftp source: {where} refused the {method} (wrong password, key or user name).{also} "
        "Fix the credentials (--password-env VAR, --key-file FILE); a retry will not help."
    )


def unknown_host(where: str, entry: str, fingerprint: str, known_hosts: str) -> TerminalSourceError:
    """The server's host key is not in known_hosts and no ``host_key`` was given."""
    port = entry.rsplit(":", 1)[1] if entry.startswith("[") else "22"
    host = entry.strip("[").split("]")[0]
    return TerminalSourceError(
        f"sftp source: the host key of {where} is not known (not in {known_hosts}); it offered "
        f"{fingerprint}. Check that fingerprint with the server's administrator, then either pass it: "
        f"--host-key {fingerprint} (host_key: in sources.yaml), or add the key to known_hosts: "
        f"ssh-keyscan -p {port} {host} >> {known_hosts}"
    )


def host_key_changed(where: str, entry: str, fingerprint: str, known_hosts: str) -> TerminalSourceError:
    """known_hosts holds another key of the same type for this server: possibly an attack."""
    return TerminalSourceError(
        f"sftp source: the host key of {where} does NOT match the one in {known_hosts} for {entry} "
        f"(it offered {fingerprint}). Someone may be intercepting the connection, or the server was "
        f"reinstalled: ask its "
        f"administrator; if the new key is right, remove the old line (ssh-keygen -R '{entry}' -f "
        f"{known_hosts}) and add the new one."
    )


def host_key_mismatch(where: str, expected: str, fingerprint: str) -> TerminalSourceError:
    """The server's key is not the ``host_key`` fingerprint the source names."""
    return TerminalSourceError(
        f"sftp source: the host key of {where} is {fingerprint}, not the expected {expected}. Someone may "
        "be intercepting the connection, or the server's key changed: check with its administrator "
        "before changing host_key."
    )
