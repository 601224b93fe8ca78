"""The Nuki Web API (api.nuki.io) over Home Assistant's shared aiohttp session.

Nuki's published swagger (v4.18) is the source for every path and payload. No Python
library covers the Web API (pynuki and Home Assistant's core integration speak to a
local bridge), so the few calls needed are made directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Final

import aiohttp

from homeassistant.util.json import json_loads

from ...const import LOGGER
from ..base import (
    VendorAuthError,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
)
from ..retry import IDEMPOTENT_METHODS, async_retry, unavailable

API_BASE: Final = "https://api.nuki.io"
REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=20)

STATUS_DETAILS: Final[dict[int, str]] = {
    HTTPStatus.PAYMENT_REQUIRED: "the Nuki account has no paid subscription for this",
    HTTPStatus.FORBIDDEN: "the API token is not allowed to do this; check its permissions in Nuki Web",
    HTTPStatus.NOT_FOUND: "Nuki does not know this lock or authorization",
    HTTPStatus.METHOD_NOT_ALLOWED: "Nuki does not allow this action on this device",
    HTTPStatus.CONFLICT: "the request conflicts with the lock's current settings",
    HTTPStatus.UPGRADE_REQUIRED: "the Nuki account needs an upgrade for this",
}


class NukiWebClient:
    """Calls to Nuki Web with one account's API token."""

    def __init__(self, session: aiohttp.ClientSession, token: str) -> None:
        """Keep the session and the token."""
        self._session = session
        self._token = token

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        secret: str | None = None,
    ) -> Any:
        """Call the Web API, again after a transient failure where that is safe."""
        return await async_retry(
            lambda: self._request_once(
                method, path, json=json, params=params, secret=secret
            ),
            idempotent=method in IDEMPOTENT_METHODS,
            label=f"Nuki {method} {path}",
        )

    async def _request_once(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        secret: str | None = None,
    ) -> Any:
        """One call to the Web API; vendor errors out, parsed JSON (or None) back.

        `secret` (an issued code) is blanked out of any error detail Nuki sends back.
        """
        try:
            async with self._session.request(
                method,
                f"{API_BASE}{path}",
                json=json,
                params=params,
                headers={
                    "Authorization": f"Bearer {self._token}",
                    "Accept": "application/json",
                },
                timeout=REQUEST_TIMEOUT,
            ) as response:
                status = response.status
                headers = response.headers
                body = await response.text()
        except (TimeoutError, aiohttp.ClientError) as err:
            LOGGER.debug("Nuki %s %s failed: %s", method, path, type(err).__name__)
            raise VendorUnavailableError("Nuki Web could not be reached.") from err
        LOGGER.debug("Nuki %s %s answered %s", method, path, status)
        if status < 300:
            return _parse(body) if body.strip() else None
        raise _error(status, redact(_detail(body), secret), headers)


class NukiNotFoundError(VendorRejectedError):
    """Nuki answered 404."""


def _error(status: int, detail: str | None, headers: Mapping[str, str]) -> VendorError:
    if status == HTTPStatus.UNAUTHORIZED:
        return VendorAuthError("Nuki refused the API token.")
    if status == HTTPStatus.LOCKED:
        return VendorUnavailableError(
            "Nuki is still applying an earlier change to this lock; try again in a minute."
        )
    if status == HTTPStatus.TOO_MANY_REQUESTS or status >= 500:
        return unavailable(
            detail or f"Nuki Web is not answering properly (HTTP {status}).",
            status,
            headers,
        )
    readable = STATUS_DETAILS.get(status)
    message = "; ".join(part for part in (detail, readable) if part)
    message = message or f"Nuki refused the request (HTTP {status})."
    if status == HTTPStatus.NOT_FOUND:
        return NukiNotFoundError(message)
    return VendorRejectedError(message)


def _parse(body: str) -> Any:
    try:
        return json_loads(body)
    except ValueError as err:
        raise VendorUnavailableError("Nuki Web sent an unreadable answer.") from err


def _detail(body: str) -> str | None:
    """Nuki's own explanation from an error body (`detailMessage`), if it sent one."""
    try:
        data = json_loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key in ("detailMessage", "message", "error"):
        if isinstance(value := data.get(key), str) and value.strip():
            return value.strip()
    return None


def as_list(data: Any) -> list[dict[str, Any]]:
    """Read an answer that should be a list of objects; anything else is unusable."""
    if not isinstance(data, list):
        raise VendorUnavailableError("Nuki Web sent an unexpected answer.")
    return [item for item in data if isinstance(item, dict)]


def nuki_date(moment: datetime) -> str:
    """Format a UTC time stamp the way Nuki's own clients send it."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def redact(text: str | None, secret: str | None) -> str | None:
    """Blank a secret (an issued code) out of a text Nuki sent back."""
    if text is None or not secret:
        return text
    return text.replace(secret, "******")
