"""Booking feeds over HTTP: fetch an iCal feed, bounded, https only, with typed errors.

`async_fetch_feed` is I/O only: conditional (ETag / Last-Modified), size-capped as
announced and as read, https unless allowed, redirects followed by hand and only to
https. Reading the text is `feed`'s job.

Every failure, of the fetch or of reading the feed, is a `FeedError`: the caller keeps
its last good reservations on any of them, so garbage must raise and never come back
as an empty list.
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
from typing import Literal

import aiohttp
from yarl import URL

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

_LOGGER = logging.getLogger(__name__)

MAX_FEED_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=30)
_CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

type FeedErrorKey = Literal[
    "feed_http_error",
    "feed_timeout",
    "feed_too_large",
    "feed_malformed",
    "feed_too_complex",
    "feed_unreadable",
    "feed_unreachable",
    "feed_insecure",
]


class FeedError(Exception):
    """A feed could not be fetched or read; `key` names a translated message."""

    def __init__(self, key: FeedErrorKey, detail: str = "") -> None:
        """Name the failure; `detail` is safe to show (never the feed's address)."""
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key: FeedErrorKey = key
        self.detail = detail


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """One fetch's outcome: `body` is None when the server answered 304 Not Modified."""

    body: str | None
    etag: str | None
    last_modified: str | None


def feed_url(url: str) -> str:
    """Give a feed's HTTP(S) address: calendar apps hand out `webcal://` links."""
    scheme, sep, rest = url.strip().partition("://")
    if sep and scheme.lower() in ("webcal", "webcals"):
        return f"https://{rest}"
    return url.strip()


def feed_host(url: str) -> str:
    """Give a feed's host, the most a log line may say: the path often holds a token."""
    try:
        return URL(url).host or "?"
    except ValueError:
        return "?"


async def async_fetch_feed(
    hass: HomeAssistant,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_FEED_BYTES,
    allow_http: bool = False,
) -> FeedFetch:
    """Fetch a feed, conditionally when a previous ETag / Last-Modified is given.

    Only over https (webcal:// is https) unless `allow_http`; redirects are followed
    by hand, at most MAX_REDIRECTS, and only to https addresses, so a feed cannot send
    the request (and the host's secret address) elsewhere in the clear.
    """
    url = feed_url(url)
    host = feed_host(url)
    if not is_secure(url) and not allow_http:
        raise FeedError("feed_insecure", host)
    headers: dict[str, str] = {}
    if etag:
        headers[aiohttp.hdrs.IF_NONE_MATCH] = etag
    if last_modified:
        headers[aiohttp.hdrs.IF_MODIFIED_SINCE] = last_modified
    session = async_get_clientsession(hass)
    redirects = 0
    try:
        while True:
            async with session.get(
                url, headers=headers, timeout=FETCH_TIMEOUT, allow_redirects=False
            ) as resp:
                _LOGGER.debug("Feed from %s: HTTP %s", host, resp.status)
                location = resp.headers.get(aiohttp.hdrs.LOCATION)
                if resp.status in _REDIRECTS and location:
                    if redirects == MAX_REDIRECTS:
                        raise FeedError(
                            "feed_http_error",
                            f"more than {MAX_REDIRECTS} redirects from {host}",
                        )
                    redirects += 1
                    url = _redirect_target(url, location)
                    host = feed_host(url)
                    continue
                new_etag = resp.headers.get(aiohttp.hdrs.ETAG) or etag
                new_modified = (
                    resp.headers.get(aiohttp.hdrs.LAST_MODIFIED) or last_modified
                )
                if resp.status == 304:
                    return FeedFetch(None, new_etag, new_modified)
                if not 200 <= resp.status < 300:
                    raise FeedError(
                        "feed_http_error", f"HTTP {resp.status} from {host}"
                    )
                _check_content_length(
                    resp.headers.get(aiohttp.hdrs.CONTENT_LENGTH), max_bytes
                )
                body = await read_capped(resp.content, max_bytes)
                return FeedFetch(
                    body.decode("utf-8", errors="replace"), new_etag, new_modified
                )
    except TimeoutError as err:  # before ClientError: ServerTimeoutError is both
        raise FeedError("feed_timeout", host) from err
    except aiohttp.ClientError as err:
        raise FeedError("feed_unreachable", f"{host}: {type(err).__name__}") from err


def is_secure(url: str) -> bool:
    """Whether a feed address (webcal:// counted as https://) is fetched over TLS."""
    return feed_url(url).lower().startswith("https://")


def _redirect_target(url: str, location: str) -> str:
    """Where a redirect leads; raises `FeedError` for anything but an https address."""
    try:
        target = URL(url).join(URL(location))
    except ValueError as err:
        raise FeedError(
            "feed_http_error", f"a redirect from {feed_host(url)} cannot be followed"
        ) from err
    if target.scheme != "https" or not target.host:
        raise FeedError(
            "feed_insecure", f"a redirect from {feed_host(url)} leaves https"
        )
    return str(target)


def _check_content_length(value: str | None, max_bytes: int) -> None:
    """Refuse up front a body the server announces as too large."""
    if value is not None and value.strip().isdigit() and int(value) > max_bytes:
        raise FeedError("feed_too_large", f"{value} bytes announced")


async def read_capped(stream: aiohttp.StreamReader, max_bytes: int) -> bytes:
    """Read a body chunk by chunk, refusing it as soon as it passes `max_bytes`.

    Content-Length may be absent (chunked transfer) or wrong, and a compressed body
    grows on the way in: only counting what arrives bounds the memory used.
    """
    body = bytearray()
    async for chunk in stream.iter_chunked(_CHUNK_BYTES):
        body += chunk
        if len(body) > max_bytes:
            raise FeedError("feed_too_large", f"over {max_bytes} bytes")
    return bytes(body)
