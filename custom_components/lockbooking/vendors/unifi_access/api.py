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

import asyncio
from collections.abc import Mapping
import hashlib
from typing import Any
from urllib.parse import quote

import aiohttp
from unifi_access_api import UnifiAccessApiClient
from yarl import URL

from homeassistant.util.ssl import get_default_no_verify_context

from ...const import LOGGER
from ..base import (
    VendorAuthError,
    VendorCertificateError,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
)
from ..retry import IDEMPOTENT_METHODS, async_retry, unavailable

API_PORT = 12445
API_PATH = "/api/v1/developer"
NEW_PIN_PATH = f"{API_PATH}/credentials/pin_codes"
SYSTEM_LOGS_PATH = f"{API_PATH}/system/logs"
# POSTs that change nothing lasting: asking for a new PIN assigns it to no one, and the
# system log is read by POST because its filter travels in the body.
SAFE_POST_PATHS = frozenset({NEW_PIN_PATH, SYSTEM_LOGS_PATH})
REQUEST_TIMEOUT = 10
VISITOR_PAGE_SIZE = 100
MAX_VISITOR_PAGES = 50
SYSTEM_LOG_PAGE_SIZE = 100
MAX_SYSTEM_LOG_PAGES = 5

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
        "credential, device and system log scopes."
    ),
    "CODE_OPERATION_FORBIDDEN": "The controller does not allow this operation.",
    "CODE_OTHERS_UID_ADOPTED_NOT_SUPPORTED": (
        "The API is not available on consoles upgraded to Identity Enterprise."
    ),
}


class UnifiAccessRejectedError(VendorRejectedError):
    """The controller refused a request; `code` is its envelope code, if any."""

    def __init__(self, detail: str, code: str | None) -> None:
        """Keep the envelope code next to the readable detail."""
        super().__init__(detail)
        self.code = code


class UnifiAccessCertificateError(VendorCertificateError):
    """The console's TLS certificate is not trusted, or not the one the host pinned."""


class UnifiAccessClient(UnifiAccessApiClient):
    """py-unifi-access's client with code-preserving errors, visitors and PINs."""

    def __init__(
        self,
        host: str,
        api_token: str,
        session: aiohttp.ClientSession,
        *,
        verify_ssl: bool,
        cert_fingerprint: bytes | None = None,
    ) -> None:
        """Use Home Assistant's session for `verify_ssl`; raises ValueError on a bad host.

        With `cert_fingerprint` (a SHA-256 digest) every request accepts that one
        certificate only, whatever the session would verify.
        """
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
        base = URL(self._url("/"))
        if base.scheme != "https" or base.port != API_PORT:
            # The token goes in a header: never to anything but the TLS API port.
            raise ValueError(f"Not the console's TLS API: {base}")
        self._ssl: aiohttp.Fingerprint | bool = (
            aiohttp.Fingerprint(cert_fingerprint) if cert_fingerprint else True
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
        """Send a request, again after a transient failure where that is safe."""
        path = URL(url).path
        return await async_retry(
            lambda: self._request_once(url, method, data, params=params),
            idempotent=method in IDEMPOTENT_METHODS
            or (method == "POST" and path in SAFE_POST_PATHS),
            label=f"UniFi Access {method} {path}",
        )

    async def _request_once(
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
                ssl=self._ssl,
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
        except (
            aiohttp.ServerFingerprintMismatch,
            aiohttp.ClientConnectorCertificateError,
        ) as err:
            raise UnifiAccessCertificateError(str(err)) from err
        except aiohttp.ClientSSLError as err:
            raise VendorUnavailableError(
                "The controller's TLS certificate could not be verified; turn off "
                "certificate verification if it uses its self-signed certificate."
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            raise VendorUnavailableError(
                f"Could not reach the controller ({type(err).__name__})."
            ) from err
        return unwrap(status, body, resp.headers)

    async def create_visitor(self, visitor: dict[str, Any]) -> str:
        """Create a visitor and return its id."""
        data = await self._request(self._url(f"{API_PATH}/visitors"), "POST", visitor)
        visitor_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(visitor_id, str) or not visitor_id:
            raise VendorError("The controller did not return the new visitor's id.")
        return visitor_id

    async def generate_pin(self) -> str:
        """Ask for a new PIN of the site's length, not yet assigned to anyone."""
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

    async def update_visitor_window(
        self, visitor_id: str, start_time: int, end_time: int
    ) -> None:
        """Move a visitor's visit (Unix seconds); its PIN and doors are left as they are."""
        await self._request(
            self._url(f"{API_PATH}/visitors/{quote(visitor_id, safe='')}"),
            "PUT",
            {"start_time": start_time, "end_time": end_time},
        )

    async def delete_visitor(self, visitor_id: str) -> None:
        """Delete a visitor for good (without `is_force` it is only cancelled)."""
        await self._request(
            self._url(f"{API_PATH}/visitors/{quote(visitor_id, safe='')}"),
            "DELETE",
            params={"is_force": "true"},
        )

    async def list_visitors(self) -> list[dict[str, Any]]:
        """Every visitor on the console, with the doors it may open.

        Pages are read until one brings no visitor not seen before, which also ends
        the loop on a console that ignores paging and answers the whole list each time.
        """
        visitors: dict[str, dict[str, Any]] = {}
        for page in range(1, MAX_VISITOR_PAGES + 1):
            data = await self._request(
                self._url(f"{API_PATH}/visitors"),
                "GET",
                params={
                    "page_num": str(page),
                    "page_size": str(VISITOR_PAGE_SIZE),
                    "expand[]": "resource",
                },
            )
            if not isinstance(data, list):
                raise VendorError(
                    "The controller sent a visitor list that cannot be read."
                )
            new = {
                visitor["id"]: visitor
                for visitor in data
                if isinstance(visitor, dict)
                and isinstance(visitor.get("id"), str)
                and visitor["id"] not in visitors
            }
            if not new:
                break
            visitors.update(new)
        return list(visitors.values())

    async def system_logs(self, topic: str, since: int) -> list[dict[str, Any]]:
        """Read the system log's entries of one topic from `since` (epoch seconds) on.

        The next page is read only when a page comes back full, and at most
        MAX_SYSTEM_LOG_PAGES pages are read.
        """
        hits: list[dict[str, Any]] = []
        for page in range(1, MAX_SYSTEM_LOG_PAGES + 1):
            data = await self._request(
                self._url(SYSTEM_LOGS_PATH),
                "POST",
                {"topic": topic, "since": since},
                params={
                    "page_num": str(page),
                    "page_size": str(SYSTEM_LOG_PAGE_SIZE),
                },
            )
            # An empty log may come as no data or as null hits.
            page_hits = data.get("hits") if isinstance(data, dict) else data
            if page_hits is None:
                page_hits = []
            if not isinstance(page_hits, list):
                raise VendorError(
                    "The controller sent a system log that cannot be read."
                )
            hits.extend(hit for hit in page_hits if isinstance(hit, dict))
            if len(page_hits) < SYSTEM_LOG_PAGE_SIZE:
                break
        return hits


async def async_read_certificate_fingerprint(host: str, port: int | None = None) -> str:
    """Read the SHA-256 fingerprint (hex) of the certificate the console presents.

    Only the TLS handshake happens: nothing, so no token, is sent on the connection.
    """
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            _, writer = await asyncio.open_connection(
                host.removeprefix("[").removesuffix("]"),
                port or API_PORT,
                ssl=get_default_no_verify_context(),
            )
    except (TimeoutError, OSError) as err:  # ssl.SSLError is an OSError
        raise VendorUnavailableError(
            f"Could not read the controller's certificate ({type(err).__name__})."
        ) from err
    try:
        certificate = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.transport.abort()
    if not certificate:
        raise VendorUnavailableError("The controller presented no certificate.")
    return hashlib.sha256(certificate).hexdigest()


def unwrap(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Any:
    """Return the envelope's `data`, or raise the error its status and code mean."""
    envelope: dict[str, Any] = body if isinstance(body, dict) else {}
    code = envelope.get("code")
    code = code if isinstance(code, str) else None
    if status in (401, 403) or code in AUTH_CODES:
        raise VendorAuthError(readable(code, envelope.get("msg"), status))
    if status == 429 or status >= 500 or code in UNAVAILABLE_CODES:
        raise unavailable(readable(code, envelope.get("msg"), status), status, headers)
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
    """Word a failed request from its code, message and HTTP status."""
    message = msg.strip() if isinstance(msg, str) else ""
    friendly = FRIENDLY_MESSAGES.get(code or "")
    if friendly and code == "CODE_PARAMS_INVALID" and message:
        return f"{friendly} {message}"
    return friendly or message or code or f"HTTP {status}"
