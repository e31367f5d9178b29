"""Sending the requests: a rate limit (token bucket), retries with backoff, and the JSON body.

Transient failures (5xx, 408/425/429, timeouts, refused or reset connections) are retried with
exponential backoff and jitter, waiting what a ``Retry-After`` header asks (seconds or an
HTTP date) when there is one, up to ``max_retries`` per request and ``max_retry_wait`` seconds
of waiting over the whole load. Anything else fails at once.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from aimass.exceptions import TransientSourceError
from aimass.ingest.http.errors import bad_body, redact, request_failed, status_failed
from aimass.ingest.http.pagination import Page, Request

if TYPE_CHECKING:
    import httpx

__all__ = ["Fetcher", "RetryPolicy", "TokenBucket", "retry_after_seconds"]


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, bursts of at most ``burst``.

    Parameters
    ----------
    rate : float
        Tokens added per second (> 0).
    burst : float, default 1
        The bucket's size; 1 spaces every request by ``1 / rate`` seconds.
    clock, sleep : callable, optional
        For tests; ``time.monotonic`` and ``time.sleep`` by default.
    """

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate ({rate}) must be > 0 and burst ({burst}) >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until there is one; returns the seconds slept."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
            self._tokens -= 1  # may go below zero: the wait below pays it back
            if wait > 0:
                self._sleep(wait)
            return wait


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta seconds or an HTTP date), None if unreadable.

    Examples
    --------
    >>> retry_after_seconds("3")
    3.0
    >>> now = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    >>> retry_after_seconds("Mon, 01 Jan 2024 12:00:05 GMT", now)
    5.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


@dataclass
class RetryPolicy:
    """How transient failures are retried.

    Parameters
    ----------
    max_retries : int, default 5
        Retries of one request (0: fail at the first transient error).
    backoff : float, default 0.5
        The first wait; the n-th retry waits a random time between half and all of
        ``backoff * 2**(n-1)`` (jitter, so that many clients do not retry in step).
    max_backoff : float, default 30
        The longest single backoff.
    max_retry_wait : float, default 120
        Seconds of waiting over the whole load after which it gives up.
    random_state : int, optional
        Seeds the jitter.
    """

    max_retries: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_wait: float = 120.0
    random_state: int | None = None
    waited: float = 0.0
    retries: int = 0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.random_state)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The wait before retry number ``attempt`` (1-based): ``Retry-After`` if given, else backoff."""
        if retry_after is not None:
            return retry_after
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return self._random.uniform(ceiling / 2, ceiling)


@dataclass
class Fetcher:
    """Gets pages: rate limit, retries, status and JSON checks, errors that name the page.

    Parameters
    ----------
    client : httpx.Client
        Carries the headers (auth included) and the timeout.
    timeout : float
        For messages.
    retry : RetryPolicy
    limiter : TokenBucket, optional
        The request rate limit.
    auth_params : dict
        Query parameters added to every request (an API key), never shown.
    credential : str, optional
        Names the credential in 401/403 messages.
    """

    client: httpx.Client
    timeout: float
    retry: RetryPolicy
    limiter: TokenBucket | None = None
    auth_params: dict[str, str] = field(default_factory=dict)
    credential: str | None = None
    requests: int = 0
    sleep: Callable[[float], None] = time.sleep

    def get(self, request: Request) -> Page:
        """Fetch one page (retrying transient failures) and parse its JSON body.

        Raises
        ------
        TransientSourceError
            When retries are used up, or the next wait would pass ``max_retry_wait``.
        TerminalSourceError
            A status that a retry cannot fix (401/403 name the credential), or a body that is not JSON.
        """
        attempt = 0
        while True:
            shown, response, error = self._send(request)
            if error is None:
                return self._page(shown, response)
            attempt += 1
            if not isinstance(error, TransientSourceError):
                raise error
            retry_after = retry_after_seconds(response.headers.get("retry-after")) if response else None
            wait = self.retry.delay(attempt, retry_after)
            if attempt > self.retry.max_retries:
                tries = self.retry.max_retries
                raise TransientSourceError(
                    f"{error} Gave up after {tries} retr{'y' if tries == 1 else 'ies'} "
                    f"({self.retry.waited:.1f} s of waiting); raise max_retries, or try again later."
                ) from None
            if self.retry.waited + wait > self.retry.max_retry_wait:
                raise TransientSourceError(
                    f"{error} The next retry would wait {wait:.1f} s, past max_retry_wait "
                    f"({self.retry.max_retry_wait:g} s, {self.retry.waited:.1f} s used); try again later."
                ) from None
            self.retry.waited += wait
            self.retry.retries += 1
            self.sleep(wait)

    def _send(self, request: Request) -> tuple[str, httpx.Response | None, Exception | None]:
        import httpx

        params = {**request.params, **self.auth_params}
        if self.limiter is not None:
            self.limiter.acquire()
        self.requests += 1
        try:
            response = self.client.get(request.url, params=params or None)
        except httpx.RequestError as error:
            shown = redact(str(httpx.URL(request.url, params=params or None)))
            return shown, None, request_failed(shown, error, self.timeout)
        shown = redact(str(response.url))
        if not response.is_success:
            return shown, response, status_failed(shown, response, self.credential)
        return shown, response, None

    def _page(self, shown: str, response: httpx.Response | None) -> Page:
        assert response is not None  # a success always has a response
        try:
            body: Any = response.json()
        except UnicodeDecodeError:
            raise bad_body(shown, "the response is not UTF-8 text, so not JSON") from None
        except json.JSONDecodeError as error:
            kind = response.headers.get("content-type", "no content type")
            if "json" in kind:
                problem = (
                    f"the JSON body is broken at character {error.pos} of {len(response.text)} "
                    f"({error.msg}); it may have been cut off"
                )
            else:
                problem = f"the response is not JSON ({kind}): {response.text[:120]!r}"
            raise bad_body(shown, problem) from None
        link = response.links.get("next", {}).get("url")
        return Page(body=body, records=0, url=str(response.url), shown=shown, next_link=link)
