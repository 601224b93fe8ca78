"""Checks of what a host typed into a form, shared by every config and options flow.

Each check is pure: it looks at the text only (no I/O, no Home Assistant state) and
answers with whether the text can be used or with the form error key to show.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import suppress
from ipaddress import ip_address
import re
from typing import Any, Final
import unicodedata
from urllib.parse import urlsplit

from yarl import URL

from .reservations.feed_fetch import feed_url

# Longer than any real token, host or feed address; caps what reaches a request.
MAX_TEXT_LENGTH: Final = 2048
# The longest name a title takes.
MAX_NAME_LENGTH: Final = 64
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.IGNORECASE)


def text_errors(
    user_input: Mapping[str, Any], token_fields: Collection[str] = ()
) -> dict[str, str]:
    """Form errors for text no field takes: control characters, lone surrogates, size.

    Control characters would end up in HTTP headers and URLs, a lone surrogate cannot
    be saved as UTF-8 (and would stop every config entry from being saved). Tokens and
    secrets (`token_fields`) go into HTTP headers: every vendor issues them in visible
    ASCII, so anything else is a paste gone wrong.
    """
    errors: dict[str, str] = {}
    for key, value in user_input.items():
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            text = text.strip()
            if len(text) > MAX_TEXT_LENGTH:
                errors[key] = "too_long"
            elif any(unicodedata.category(char) in ("Cc", "Cs") for char in text) or (
                key in token_fields and not all("!" <= char <= "~" for char in text)
            ):
                errors[key] = "invalid_characters"
    return errors


def is_host(value: str) -> bool:
    """Whether a host field holds a host name or IP address (scheme, port, path allowed)."""
    text = value.strip()
    scheme, separator, rest = text.partition("://")
    if separator:
        if scheme.lower() not in ("http", "https"):
            return False
        text = rest
    authority = text.split("/", 1)[0]
    with suppress(ValueError):
        ip_address(authority)  # a bare IPv6 address has colons but no port
        return True
    try:
        parts = urlsplit(f"https://{authority}")
        host, _ = parts.hostname, parts.port
    except ValueError:
        return False
    if not host or "@" in parts.netloc or parts.query or parts.fragment:
        return False
    with suppress(ValueError):
        ip_address(host)
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in ascii_host.split("."))


def is_feed_address(url: str) -> bool:
    """Whether a feed address can be fetched: http(s) or webcal, with a host."""
    address = feed_url(url)
    if any(char.isspace() for char in address):
        return False
    try:
        parsed = URL(address)
        return (
            parsed.scheme in ("http", "https")
            and bool(parsed.host)
            and bool(parsed.port)
        )
    except ValueError:  # UnicodeError included: a host that IDNA cannot encode
        return False


def is_name(value: str) -> bool:
    """Whether a name can be a title: at most 64 characters, a letter or digit in it.

    Runs of white space count as one space, as the title is written.
    """
    name = " ".join(value.split())
    return len(name) <= MAX_NAME_LENGTH and any(char.isalnum() for char in name)


def pattern_problem(pattern: str) -> str | None:
    """Why a skip pattern cannot be used (a form error), or None when it can."""
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error:
        return None  # taken as plain text
    except (OverflowError, RecursionError):
        return "invalid_pattern"
    # A pattern that matches an empty summary matches every summary: no stay left.
    return "pattern_matches_everything" if compiled.search("") else None
