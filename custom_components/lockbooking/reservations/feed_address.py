"""What makes two feed addresses the same feed, for a reservations entry's unique id.

Pure: no Home Assistant, no I/O. Calendar apps hand out `webcal://` links that are
fetched as `https://`; a host's case, a default port and a fragment change nothing of
what is fetched either. The path and the query are kept as they are: they often hold
the feed's secret token, and may be case-sensitive. The address an entry stores stays
as the user gave it; only its unique id is made from this.
"""

from __future__ import annotations

from urllib.parse import urlsplit

_AS_HTTPS = frozenset({"webcal", "webcals", "https"})
_DEFAULT_PORTS = {"https": 443, "http": 80}


def feed_address_key(url: str) -> str:
    """Give the address of a feed in one spelling; an unreadable one as it is (stripped).

    An address already in that spelling (https, lower-case host, no default port, no
    fragment) comes back unchanged, so entries made before this keep their unique id.
    """
    address = url.strip()
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        return address
    scheme = parts.scheme.lower()
    if not host or scheme not in (*_AS_HTTPS, "http"):
        return address
    scheme = "https" if scheme in _AS_HTTPS else scheme
    if ":" in host:
        host = f"[{host}]"  # IPv6
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        netloc = f"{userinfo}@{netloc}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{parts.path}{query}"
