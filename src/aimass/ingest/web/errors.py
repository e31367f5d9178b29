"""Web page failures worded for the user, and whether a retry can help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aimass.exceptions import TerminalSourceError, TransientSourceError

if TYPE_CHECKING:
    import httpx

__all__ = ["fetch_failed", "nothing_found", "status_failed"]

_RETRYABLE_STATUS = frozenset({408, 425, 429})


def fetch_failed(
    url: str, error: httpx.RequestError, timeout: float
) -> TransientSourceError | TerminalSourceError:
    """The error for a page request that got no response (refused, timed out, bad address)."""
    import httpx

    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return TerminalSourceError(f"web source: {url} is not a page address that can be fetched ({error})")
    if isinstance(error, httpx.TimeoutException):
        return TransientSourceError(
            f"web source: no answer from {url} within {timeout:g} s; a retry may help (or raise --timeout)"
        )
    return TransientSourceError(
        f"web source: cannot fetch {url} ({type(error).__name__}: {error}); is the site up? A retry may help"
    )


def status_failed(url: str, response: httpx.Response) -> TransientSourceError | TerminalSourceError:
    """The error for a page whose status is not 2xx: 5xx and 408/425/429 may pass on a retry."""
    status = f"{response.status_code} {response.reason_phrase}".strip()
    if response.status_code >= 500 or response.status_code in _RETRYABLE_STATUS:
        return TransientSourceError(f"web source: {url} answered {status}; a retry may help")
    return TerminalSourceError(
        f"web source: {url} answered {status}; check the address (a retry will not help)"
    )


def nothing_found(pages: list[str], what: str, skipped: list[str]) -> TerminalSourceError:
    """The error for a crawl that found no rows at all."""
    shown = ", ".join(pages[:5]) + (f" and {len(pages) - 5} more" if len(pages) > 5 else "")
    why = f"; robots.txt disallowed {len(skipped)} page(s): {', '.join(skipped[:5])}" if skipped else ""
    return TerminalSourceError(
        f"web source: found {what} on {shown or 'no page'}{why}. Check the address, "
        "pass --records SELECTOR with --field name=SELECTOR for repeated elements, or --table-index"
    )
