"""The console client: error envelopes and HTTP failures read as vendor errors."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.lockbooking.vendors.base import (
    VendorAuthError,
    VendorRejectedError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.unifi_access.vendor import (
    UnifiAccessVendor,
)
from homeassistant.core import HomeAssistant

from .conftest import (
    TOKEN,
    envelope,
    mock_doors,
)


@pytest.mark.parametrize(
    ("response", "error", "detail"),
    [
        ({"status": 401, "text": ""}, VendorAuthError, "HTTP 401"),
        ({"status": 403, "json": envelope("CODE_UNAUTHORIZED")}, VendorAuthError, None),
        (
            {"json": envelope("CODE_AUTH_FAILED", "Authentication failed.")},
            VendorAuthError,
            "Authentication failed.",
        ),
        (
            {"json": envelope("CODE_ACCESS_TOKEN_INVALID")},
            VendorAuthError,
            "CODE_ACCESS_TOKEN_INVALID",
        ),
        (
            {"status": 429, "text": "Too Many Requests"},
            VendorUnavailableError,
            "HTTP 429",
        ),
        ({"status": 504, "text": ""}, VendorUnavailableError, "HTTP 504"),
        (
            {
                "json": envelope(
                    "CODE_DEVICE_DEVICE_OFFLINE", "The device is currently offline."
                )
            },
            VendorUnavailableError,
            "The door's hub is offline.",
        ),
        (
            {"exc": TimeoutError()},
            VendorUnavailableError,
            "The controller did not answer in time.",
        ),
        (
            {"exc": aiohttp.ServerDisconnectedError()},
            VendorUnavailableError,
            "Could not reach the controller (ServerDisconnectedError).",
        ),
        ({"text": "not json"}, VendorUnavailableError, None),
        (
            {
                "status": 400,
                "json": envelope("CODE_PARAMS_INVALID", "start_time is required."),
            },
            VendorRejectedError,
            "The controller refused the request's parameters. start_time is required.",
        ),
        (
            {"json": envelope("CODE_PARAMS_INVALID")},
            VendorRejectedError,
            "The controller refused the request's parameters.",
        ),
        (
            {"json": envelope("CODE_SOME_FUTURE_ERROR", "Something new went wrong.")},
            VendorRejectedError,
            "Something new went wrong.",
        ),
        (
            {"json": envelope("CODE_SOME_FUTURE_ERROR")},
            VendorRejectedError,
            "CODE_SOME_FUTURE_ERROR",
        ),
        ({"status": 404, "text": "Not Found"}, VendorRejectedError, "HTTP 404"),
    ],
)
async def test_error_mapping(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    response: dict[str, Any],
    error: type[Exception],
    detail: str | None,
) -> None:
    mock_doors(aioclient_mock, **response)
    with pytest.raises(error) as err:
        await UnifiAccessVendor(hass, entry.data).async_get_locks()
    if detail is not None:
        assert err.value.detail == detail
    assert TOKEN not in str(err.value)


async def test_ssl_error_is_unavailable(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    ssl_error = aiohttp.ClientSSLError(None, OSError("certificate verify failed"))
    mock_doors(aioclient_mock, exc=ssl_error)
    with pytest.raises(VendorUnavailableError, match="self-signed"):
        await UnifiAccessVendor(
            hass, {**entry.data, "verify_ssl": True}
        ).async_get_locks()
