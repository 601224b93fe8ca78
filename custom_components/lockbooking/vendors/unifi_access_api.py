"""The UniFi Access developer API: py-unifi-access, plus what it lacks.

py-unifi-access (the library Home Assistant core's unifi_access uses) builds the URLs,
headers and door models, and covers doors and remote unlock. It has no visitor or PIN
calls, and its single transport method, `_request`, keeps only an error envelope's
`msg`: the `code` that tells an offline hub (try later) from a refused PIN or a revoked
token is lost, and a success envelope without `data` (what PIN assignment answers)
raises. So this client overrides that one method to keep the code and raise
lockbooking's vendor errors, and adds the visitor and PIN calls on the same session,
base URL and Bearer token. The library version is pinned in the manifest.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp
from unifi_access_api import UnifiAccessApiClient
from yarl import URL

from homeassistant.util.ssl import get_default_no_verify_context

from ..const import LOGGER
from .base import (
    VendorAuthError,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
)

API_PORT = 12445
API_PATH = "/api/v1/developer"
REQUEST_TIMEOUT = 10

SUCCESS = "SUCCESS"
RESOURCE_NOT_FOUND = "CODE_RESOURCE_NOT_FOUND"
AUTH_CODES = frozenset({"CODE_AUTH_FAILED", "CODE_ACCESS_TOKEN_INVALID"})
UNAVAILABLE_CODES = frozenset({"CODE_DEVICE_DEVICE_OFFLINE", "CODE_SYSTEM_ERROR"})
FRIENDLY_MESSAGES = {
    "CODE_CREDS_PIN_CODE_CREDS_ALREADY_EXIST": (
        "That PIN is already used by someone else on this site."
    ),
    "CODE_CREDS_PIN_CODE_CREDS_LENGTH_INVALID": (
        "That PIN's length does not match the PIN length set for this site in "
        "UniFi Access."
    ),
    "CODE_PARAMS_INVALID": "The controller refused the request's parameters.",
    RESOURCE_NOT_FOUND: "The door or visitor no longer exists on the controller.",
    "CODE_DEVICE_DEVICE_OFFLINE": "The door's hub is offline.",
    "CODE_SYSTEM_ERROR": "The controller had an internal error.",
    "CODE_UNAUTHORIZED": (
        "The API token is not allowed to do this; give it the space, visitor, "
        "credential and device scopes."
    ),
    "CODE_OPERATION_FORBIDDEN": "The controller does not allow this operation.",
    "CODE_OTHERS_UID_ADOPTED_NOT_SUPPORTED": (
        "The API is not available on consoles upgraded to Identity Enterprise."
    ),
}


class UnifiAccessRejectedError(VendorRejectedError):
    """The controller refused a request; `code` is its envelope code, if any."""

    def __init__(self, detail: str, code: str | None) -> None:
        super().__init__(detail)
        self.code = code


class UnifiAccessClient(UnifiAccessApiClient):
    """py-unifi-access's client with code-preserving errors, visitors and PINs."""

    def __init__(
        self,
        host: str,
        api_token: str,
        session: aiohttp.ClientSession,
        *,
        verify_ssl: bool,
    ) -> None:
        """Use Home Assistant's session for `verify_ssl`; raises ValueError on a bad host."""
        super().__init__(
            host,
            api_token,
            session,
            verify_ssl=verify_ssl,
            # Without a context the library builds one in the event loop and warns on
            # every start; the session chosen for `verify_ssl` already decides anyway.
            ssl_context=None if verify_ssl else get_default_no_verify_context(),
            request_timeout=REQUEST_TIMEOUT,
        )
        self._http = session
        self._timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        self._headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Authorization": f"Bearer {api_token}",
        }

    async def _request(
        self,
        url: str,
        method: str = "GET",
        data: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request and return the envelope's `data` (None when absent)."""
        LOGGER.debug("UniFi Access: %s %s", method, URL(url).path)
        try:
            async with self._http.request(
                method,
                url,
                headers=self._headers,
                json=data,
                params=params,
                timeout=self._timeout,
            ) as resp:
                status = resp.status
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = None
        except TimeoutError as err:
            raise VendorUnavailableError(
                "The controller did not answer in time."
            ) from err
        except aiohttp.ClientSSLError as err:
            raise VendorUnavailableError(
                "The controller's TLS certificate could not be verified; turn off "
                "certificate verification if it uses its self-signed certificate."
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            raise VendorUnavailableError(
                f"Could not reach the controller ({type(err).__name__})."
            ) from err
        return unwrap(status, body)

    async def create_visitor(self, visitor: dict[str, Any]) -> str:
        """Create a visitor and return its id."""
        data = await self._request(self._url(f"{API_PATH}/visitors"), "POST", visitor)
        visitor_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(visitor_id, str) or not visitor_id:
            raise VendorError("The controller did not return the new visitor's id.")
        return visitor_id

    async def generate_pin(self) -> str:
        """A new PIN of the site's configured length, not yet assigned to anyone."""
        pin = await self._request(
            self._url(f"{API_PATH}/credentials/pin_codes"), "POST"
        )
        if not isinstance(pin, str) or not pin.isdigit():
            raise VendorError("The controller did not return a PIN.")
        return pin

    async def assign_visitor_pin(self, visitor_id: str, pin: str) -> None:
        """Give a visitor a PIN (the controller keeps only its hash)."""
        await self._request(
            self._url(f"{API_PATH}/visitors/{quote(visitor_id, safe='')}/pin_codes"),
            "PUT",
            {"pin_code": pin},
        )

    async def delete_visitor(self, visitor_id: str) -> None:
        """Delete a visitor for good (without `is_force` it is only cancelled)."""
        await self._request(
            self._url(f"{API_PATH}/visitors/{quote(visitor_id, safe='')}"),
            "DELETE",
            params={"is_force": "true"},
        )


def unwrap(status: int, body: Any) -> Any:
    """The envelope's `data`, or the vendor error its HTTP status and code mean."""
    envelope: dict[str, Any] = body if isinstance(body, dict) else {}
    code = envelope.get("code")
    code = code if isinstance(code, str) else None
    if status in (401, 403) or code in AUTH_CODES:
        raise VendorAuthError(readable(code, envelope.get("msg"), status))
    if status == 429 or status >= 500 or code in UNAVAILABLE_CODES:
        raise VendorUnavailableError(readable(code, envelope.get("msg"), status))
    if status < 400 and code is None:
        raise VendorUnavailableError(
            "The controller's answer is not UniFi Access API JSON; check the host."
        )
    if status >= 400 or code != SUCCESS:
        raise UnifiAccessRejectedError(
            readable(code, envelope.get("msg"), status), code
        )
    return envelope.get("data")


def readable(code: str | None, msg: Any, status: int) -> str:
    """A sentence for a failed request, from its code, message and HTTP status."""
    message = msg.strip() if isinstance(msg, str) else ""
    friendly = FRIENDLY_MESSAGES.get(code or "")
    if friendly and code == "CODE_PARAMS_INVALID" and message:
        return f"{friendly} {message}"
    return friendly or message or code or f"HTTP {status}"
