"""A thin client for igloohome's iglooaccess API.

Why our own client: the `igloohome-api` package Home Assistant core uses has no algoPIN
calls, fetches a new OAuth token for nearly every request and reports every failure as
one exception type. lockbooking needs a cached client-credentials token, readable
vendor errors, the paged device list and bridge jobs, and nothing more.
"""

from __future__ import annotations

import asyncio
from asyncio import sleep
import base64
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from ...const import LOGGER
from ..base import (
    VendorAuthError,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
)
from ..retry import IDEMPOTENT_METHODS, async_retry, unavailable

TOKEN_URL: Final = "https://auth.igloohome.co/oauth2/token"
API_URL: Final = "https://api.igloodeveloper.co/igloohome"
SCOPES: Final = (
    "igloohomeapi/get-devices",
    "igloohomeapi/algopin-hourly",
    "igloohomeapi/algopin-daily",
    "igloohomeapi/algopin-onetime",
    "igloohomeapi/algopin-permanent",
    "igloohomeapi/lock-bridge-proxied-job",
    "igloohomeapi/unlock-bridge-proxied-job",
    "igloohomeapi/create-pin-bridge-proxied-job",
    "igloohomeapi/delete-pin-bridge-proxied-job",
    "igloohomeapi/get-job-status",
)
# `expires_in` is about a day in practice (unverified); without it assume an hour.
DEFAULT_TOKEN_LIFETIME: Final = timedelta(hours=1)
TOKEN_RENEW_MARGIN: Final = timedelta(minutes=5)
REQUEST_TIMEOUT: Final = 30
MAX_PAGES = 50
# Seconds to wait before each look at a bridge job: a Bridge works through about two
# jobs a minute, so a job is followed for a whole minute before it counts as unknown.
JOB_POLL_DELAYS: tuple[float, ...] = (2, 3, 5, 5, 5, 5, 5, 10, 10, 10)
# `jobResponse.jobStatus` of a job the Bridge could not carry out.
JOB_STATUS_FAILED: Final = 2

UNREADABLE: Final = "igloohome sent an answer lockbooking does not understand"

JOB_LOCK: Final = 1
JOB_UNLOCK: Final = 2
JOB_CREATE_PIN: Final = 4
JOB_DELETE_PIN: Final = 5

_MESSAGE_KEYS: Final = (
    "message",
    "error_description",
    "errorMessage",
    "detail",
    "error",
)


def basic_authorization(client_id: str, client_secret: str) -> str:
    """Build the HTTP Basic Authorization header of the token request (RFC 7617).

    Made here because aiohttp 3.14 deprecates `BasicAuth`. As it did, this refuses a
    colon in the client id (ValueError) and text beyond Latin-1 (UnicodeEncodeError).
    """
    if ":" in client_id:
        raise ValueError("A client id cannot contain a colon.")
    credentials = f"{client_id}:{client_secret}".encode("latin-1")
    return f"Basic {base64.b64encode(credentials).decode('ascii')}"


class IgloohomeClient:
    """One iglooaccess API account (a client id and secret)."""

    def __init__(
        self, session: aiohttp.ClientSession, client_id: str, client_secret: str
    ) -> None:
        """Keep the credentials; the token is fetched on first use."""
        self._session = session
        self._basic_auth = basic_authorization(client_id, client_secret)
        self._token: str | None = None
        self._token_renew_at: datetime = dt_util.utcnow()
        self._token_lock = asyncio.Lock()

    async def async_devices(self) -> list[dict[str, Any]]:
        """Every device of the account, following `nextCursor` page by page."""
        devices: list[dict[str, Any]] = []
        seen: set[str] = set()
        params: dict[str, str] | None = None
        for _ in range(MAX_PAGES):
            page = await self.async_request("GET", "/devices", params=params)
            payload = page.get("payload")
            if not isinstance(payload, list):
                # An answer without its device list must not read as "no locks left".
                raise VendorError(UNREADABLE)
            devices.extend(item for item in payload if isinstance(item, dict))
            cursor = page.get("nextCursor")
            if not cursor or not isinstance(cursor, str) or cursor in seen:
                break
            seen.add(cursor)
            # The cursor's query parameter name is not documented publicly.
            params = {"cursor": cursor}
        return devices

    async def async_bridge_job(
        self,
        device_id: str,
        bridge_id: str,
        job_type: int,
        job_data: dict[str, Any] | None,
        *,
        redact: tuple[str, ...] = (),
    ) -> str:
        """Have a Bridge run a job on a lock, wait until it is done; the job's id."""
        lock, bridge = quote(device_id, safe=""), quote(bridge_id, safe="")
        answer = await self.async_request(
            "POST",
            f"/devices/{lock}/jobs/bridges/{bridge}",
            json={"jobType": job_type, "jobData": job_data},
            redact=redact,
        )
        job_id = answer.get("jobId")
        if not job_id:
            raise VendorError("igloohome did not start the Bridge job")
        for delay in JOB_POLL_DELAYS:
            await sleep(delay)
            try:
                status = await self.async_request(
                    "GET", f"/jobs/{quote(str(job_id), safe='')}", redact=redact
                )
            except VendorAuthError:
                raise
            except VendorError:
                # The job runs whatever a look at it answers: look again.
                continue
            if status.get("completed") is True:
                if failure := _job_failure(status.get("jobResponse")):
                    raise VendorRejectedError(_redacted(failure, redact))
                return str(job_id)
        raise VendorUnavailableError(
            "the Bridge has not confirmed the job yet; it may still be carried out"
        )

    async def async_request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        redact: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Call the API, again after a transient failure where that is safe.

        An algoPIN is the same PIN for the same window and variance, so asking twice
        creates nothing twice.
        """
        return await async_retry(
            lambda: self._async_request_once(
                method, path, json=json, params=params, redact=redact
            ),
            idempotent=method in IDEMPOTENT_METHODS or "/algopin/" in path,
            label=f"igloohome {method} {path}",
        )

    async def _async_request_once(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None,
        params: dict[str, str] | None,
        redact: tuple[str, ...],
    ) -> dict[str, Any]:
        """Call the API once; a refused token is renewed and the call tried once more."""
        request = {"json": json, "params": params}
        status, text, headers = await self._async_authorized(method, path, **request)
        if status == 401:
            # A token can be revoked before it expires: a fresh one settles it.
            status, text, headers = await self._async_authorized(
                method, path, **request
            )
        if status == 401:
            raise VendorAuthError("igloohome refused the access token")
        message = _redacted(_vendor_message(text), redact)
        if status == 429 or status >= 500:
            raise unavailable(
                f"igloohome answered HTTP {status}"
                + (f": {message}" if message else ""),
                status,
                headers,
            )
        if status >= 400:
            raise VendorRejectedError(message or f"igloohome answered HTTP {status}")
        body = _json(text) if text.strip() else {}
        if not isinstance(body, dict):
            raise VendorError(UNREADABLE)
        return body

    async def _async_token(self) -> str:
        async with self._token_lock:
            if self._token is not None and dt_util.utcnow() < self._token_renew_at:
                return self._token
            status, text, headers = await self._async_send(
                "POST",
                TOKEN_URL,
                headers={
                    "Authorization": self._basic_auth,
                    "Accept": "application/json",
                },
                data={"grant_type": "client_credentials", "scope": " ".join(SCOPES)},
            )
            if status == 429 or status >= 500:
                raise unavailable(
                    f"igloohome sign-in answered HTTP {status}", status, headers
                )
            if status != 200:
                # Cognito answers 400 `invalid_client` for a wrong id or secret and
                # `invalid_scope` when the credentials lack a permission we ask for.
                reason = _vendor_message(text) or f"HTTP {status}"
                raise VendorAuthError(f"igloohome refused the credentials ({reason})")
            body = _json(text)
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise VendorUnavailableError("igloohome sign-in sent no access token")
            lifetime = DEFAULT_TOKEN_LIFETIME
            expires_in = body.get("expires_in")
            if isinstance(expires_in, int | float) and expires_in > 0:
                lifetime = timedelta(seconds=expires_in)
            self._token = token
            self._token_renew_at = (
                dt_util.utcnow() + lifetime - min(TOKEN_RENEW_MARGIN, lifetime / 10)
            )
            return token

    async def _async_authorized(
        self, method: str, path: str, **kwargs: Any
    ) -> tuple[int, str, Mapping[str, str]]:
        try:
            token = await self._async_token()
        except VendorUnavailableError as err:
            # The request itself was not sent: sending it later cannot duplicate it.
            err.unprocessed = True
            raise
        status, text, headers = await self._async_send(
            method,
            API_URL + path,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            **kwargs,
        )
        if status == 401:
            self._drop_token(token)
        return status, text, headers

    def _drop_token(self, token: str) -> None:
        # Another request may already have fetched a fresh token; keep that one.
        if self._token == token:
            self._token = None

    async def _async_send(
        self, method: str, url: str, **kwargs: Any
    ) -> tuple[int, str, Mapping[str, str]]:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                async with self._session.request(method, url, **kwargs) as response:
                    text = await response.text()
        except TimeoutError as err:
            raise VendorUnavailableError("igloohome did not answer in time") from err
        except aiohttp.ClientError as err:
            raise VendorUnavailableError(
                f"cannot reach igloohome ({type(err).__name__})"
            ) from err
        # Never bodies or headers: they carry credentials, guests' names and PINs.
        LOGGER.debug("igloohome %s %s -> %s", method, url, response.status)
        return response.status, text, response.headers


def _json(text: str) -> Any:
    try:
        return json_loads(text)
    except ValueError as err:
        raise VendorError(UNREADABLE) from err


def _vendor_message(text: str) -> str:
    """Extract the readable part of an error body: 'Exceeded the limit of 367 days'."""
    try:
        return _message_in(json_loads(text))
    except ValueError:
        text = " ".join(text.split())
        return "" if text.startswith("<") else text[:200]


def _message_in(body: Any) -> str:
    if isinstance(body, dict):
        for key in _MESSAGE_KEYS:
            value = body.get(key)
            if isinstance(value, list):
                value = "; ".join(str(item) for item in value)
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
    return ""


def _job_failure(response: Any) -> str | None:
    """Why a completed job failed, if its `jobResponse.jobStatus` says it did."""
    if not isinstance(response, dict):
        return None
    status = response.get("jobStatus")
    if isinstance(status, bool) or status not in (
        JOB_STATUS_FAILED,
        str(JOB_STATUS_FAILED),
    ):
        return None
    return _message_in(response) or "the Bridge could not carry out the job"


def _redacted(message: str, secrets: tuple[str, ...]) -> str:
    for secret in filter(None, secrets):
        message = message.replace(secret, "***")
    return message
