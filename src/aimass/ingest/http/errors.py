"""HTTP failures worded for the user, and whether a retry can help."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aimass.exceptions import TerminalSourceError, TransientSourceError

if TYPE_CHECKING:
    import httpx

__all__ = ["bad_body", "is_retryable", "redact", "request_failed", "status_failed"]

_RETRYABLE_STATUS = frozenset({408, 425, 429})
_SECRET_PARAM = re.compile(r"key|token|secret|passw|signature|auth", re.IGNORECASE)


def redact(url: str) -> str:
    """``url`` with credentials and secret-looking query values replaced by ``***``, for messages.

    Examples
    --------
    >>> redact("https://user:pw@api.example.com/v1/items?page=2&api_key=abc")
    'https://***@api.example.com/v1/items?page=2&api_key=%2A%2A%2A'
    """
    parts = urlsplit(url)
    netloc = parts.netloc if "@" not in parts.netloc else "***@" + parts.netloc.rsplit("@", 1)[1]
    query = urlencode(
        [
            (k, "***" if _SECRET_PARAM.search(k) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def request_failed(
    url: str, error: httpx.RequestError, timeout: float
) -> TransientSourceError | TerminalSourceError:
    """The error for a request that got no response (refused, timed out, reset, bad address)."""
    import httpx

    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return TerminalSourceError(f"{url} is not a URL that can be fetched: {error}")
    server = " Is the server running?" if _is_loopback(url) else ""
    if isinstance(error, httpx.TimeoutException):
        return TransientSourceError(
            f"no answer from {url} within {timeout:g} s ({type(error).__name__});{server} A retry may help "
            "(or raise the timeout)."
        )
    if isinstance(error, httpx.ConnectError):
        return TransientSourceError(
            f"cannot connect to {url} ({error}).{server} A retry may help once it is up."
        )
    return TransientSourceError(
        f"the request to {url} failed ({type(error).__name__}: {error}). A retry may help."
    )


def is_retryable(status: int) -> bool:
    """Whether a response status may pass on a retry (5xx, 408, 425, 429)."""
    return status >= 500 or status in _RETRYABLE_STATUS


def status_failed(
    url: str, response: httpx.Response, credential: str | None = None
) -> TransientSourceError | TerminalSourceError:
    """The error for a response whose status is not 2xx: 5xx and 408/425/429 may pass on a retry.

    Parameters
    ----------
    url : str
        The request's URL, already redacted.
    response : httpx.Response
    credential : str, optional
        What credential was sent (``"the bearer token (auth.token)"``), named for a 401 or 403.
    """
    from aimass.ingest._secrets import mask

    snippet = mask(" ".join(response.text[:300].split()))
    said = f" The server said: {snippet}" if snippet else ""
    status = f"{response.status_code} {response.reason_phrase}".strip()
    if is_retryable(response.status_code):
        return TransientSourceError(f"{url} answered {status}.{said} A retry may help.")
    if response.status_code in (401, 403):
        if credential is None:
            check = "the API wants credentials: give the source an auth (bearer, api_key or basic)"
        elif response.status_code == 401:
            check = f"check {credential}: it was refused (wrong, expired or not set)"
        else:
            check = f"check {credential}: it was accepted but may not access this resource"
        return TerminalSourceError(f"{url} answered {status}; a retry will not help: {check}.{said}")
    return TerminalSourceError(
        f"{url} answered {status}; a retry will not help until the request is fixed.{said}"
    )


def bad_body(url: str, problem: str) -> TerminalSourceError:
    """The error for a 2xx response whose body is not what was expected."""
    return TerminalSourceError(f"{url}: {problem}")
