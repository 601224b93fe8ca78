"""Bounded retries of vendor requests: exponential backoff, full jitter, Retry-After.

Only what cannot be duplicated is sent again. An idempotent request (a read, a delete,
an igloohome algoPIN, which is the same PIN for the same window) is retried after any
transient failure. A write is retried only when the vendor said it did not process
it (HTTP 429, or 503 with Retry-After): after a timeout it may have been carried out.
A Retry-After longer than a caller should wait is not slept: the error goes up with
it, so automatic mode waits at least that long.
"""

from __future__ import annotations

from asyncio import sleep
from collections.abc import Awaitable, Callable, Mapping
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from random import uniform

from homeassistant.util import dt as dt_util

from ..const import LOGGER
from .base import VendorUnavailableError

ATTEMPTS = 3
BASE_DELAY = 1.0
MAX_DELAY = 10.0
MAX_RETRY_AFTER = 30.0
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "DELETE"})


def jitter(limit: float) -> float:
    """Pick a random wait between 0 and `limit` seconds (tests patch `uniform`)."""
    return uniform(0, limit)


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Read a Retry-After header (seconds or an HTTP date) as seconds, if usable."""
    value = (headers or {}).get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - dt_util.utcnow()).total_seconds()
    return max(seconds, 0.0) if seconds == seconds else None  # NaN is no answer


def unavailable(
    detail: str, status: int, headers: Mapping[str, str] | None
) -> VendorUnavailableError:
    """Make the error for a 429 or 5xx answer, with the vendor's Retry-After if sent."""
    wait = (
        retry_after(headers)
        if status in (HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE)
        else None
    )
    return VendorUnavailableError(
        detail,
        retry_after=wait,
        unprocessed=status == HTTPStatus.TOO_MANY_REQUESTS or wait is not None,
    )


async def async_retry[T](
    send: Callable[[], Awaitable[T]], *, idempotent: bool, label: str
) -> T:
    """Await `send()`; repeat it after a transient failure where safe, ATTEMPTS times at most."""
    attempt = 0
    while True:
        try:
            return await send()
        except VendorUnavailableError as err:
            attempt += 1
            wait = _wait(err, attempt, idempotent=idempotent)
            if wait is None:
                raise
            LOGGER.debug(
                "%s failed (attempt %s); retrying in %.1f s", label, attempt, wait
            )
            await sleep(wait)


def _wait(
    err: VendorUnavailableError, attempt: int, *, idempotent: bool
) -> float | None:
    """Say how long to wait before attempt `attempt + 1`, or None not to try again."""
    if attempt >= ATTEMPTS or not (idempotent or err.unprocessed):
        return None
    if err.retry_after is not None and err.retry_after > MAX_RETRY_AFTER:
        return None
    backoff = jitter(min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1)))
    return max(backoff, err.retry_after or 0.0)
