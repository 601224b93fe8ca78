"""The one Bluetooth link to one Nuki lock, kept the way a battery lock needs.

It connects only when an operation needs it, runs one operation at a time (a lock
answers one conversation; two interleaved challenges would void each other), keeps the
link for a few seconds in case another operation follows, then drops it. The lock's
address is resolved through Home Assistant's bluetooth integration at each connect, so
a lock heard through an ESPHome proxy is reached through that proxy; connecting is left
to bleak-retry-connector, which retries and backs off.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Final

from bleak import BleakClient
from bleak.exc import BleakError
from bleak_retry_connector import BleakClientWithServiceCache, establish_connection

from homeassistant.components import bluetooth
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.event import async_call_later
from homeassistant.setup import async_setup_component

from ...const import LOGGER
from ..base import (
    VendorAuthError,
    VendorError,
    VendorInputError,
    VendorRejectedError,
    VendorUnavailableError,
)
from .protocol import ErrorCode, NukiCommandError, NukiProtocolError
from .session import NukiBleSession, NukiKeys

# Seconds the link stays up after an operation, for the next one (a code issue is
# several commands; a lock action is followed by a state refresh).
IDLE_DISCONNECT: Final = 10.0
CONNECT_ATTEMPTS: Final = 3

OUT_OF_RANGE: Final = (
    "Home Assistant hears no Bluetooth adapter or proxy that can connect to the lock; "
    "bring one within range of it."
)
COMMAND_ERRORS: Final[dict[int, str]] = {
    ErrorCode.K_ERROR_CODE_ALREADY_EXISTS: "the code already exists on this lock",
    ErrorCode.K_ERROR_CODE_INVALID: "the lock does not accept this code",
    ErrorCode.K_ERROR_TOO_MANY_ENTRIES: "the lock's keypad has no room for another code",
    ErrorCode.K_ERROR_BAD_PARAMETER: "the lock refused a value it was sent",
    ErrorCode.K_ERROR_MOTOR_BLOCKED: "the motor is blocked",
}
# The lock no longer knows this client or its PIN: the entry needs new credentials.
AUTH_ERRORS: Final = frozenset(
    {
        ErrorCode.K_ERROR_BAD_PIN,
        ErrorCode.K_ERROR_TOO_MANY_PIN_ATTEMPTS,
        ErrorCode.K_ERROR_NOT_AUTHORIZED,
        ErrorCode.K_ERROR_DISABLED,
    }
)


async def async_ensure_bluetooth(hass: HomeAssistant) -> None:
    """Set up Home Assistant's Bluetooth stack if nothing else has.

    Not a manifest dependency: every other kind of entry would load Bluetooth for
    nothing. `bluetooth_adapters` brings the adapters and proxies with it.
    """
    if "bluetooth_adapters" not in hass.config.components and not (
        await async_setup_component(hass, "bluetooth_adapters", {})
    ):
        raise VendorUnavailableError("Home Assistant's Bluetooth could not be set up.")


def vendor_error(err: NukiCommandError) -> VendorError:
    """Translate a lock's Error Report into a vendor error."""
    if err.code == ErrorCode.P_ERROR_NOT_PAIRING:
        return VendorInputError("base", "not_pairing")
    if err.code == ErrorCode.P_ERROR_MAX_USER:
        return VendorInputError("base", "too_many_users")
    if err.code in AUTH_ERRORS:
        if err.code == ErrorCode.K_ERROR_TOO_MANY_PIN_ATTEMPTS:
            return VendorAuthError(
                "The lock refuses the security PIN after too many wrong attempts."
            )
        return VendorAuthError("The lock refused the security PIN or this pairing.")
    if err.code == ErrorCode.K_ERROR_BUSY:
        return VendorUnavailableError(
            "The lock is busy with another action.", unprocessed=True
        )
    detail = COMMAND_ERRORS.get(err.code, f"the lock answered error 0x{err.code:02X}")
    return VendorRejectedError(f"Nuki: {detail}.")


class NukiBleConnection:
    """Connect on demand, one operation at a time, disconnect when idle."""

    def __init__(
        self, hass: HomeAssistant, address: str, name: str, keys: NukiKeys | None
    ) -> None:
        """Keep what connecting needs; nothing is connected yet."""
        self.hass = hass
        self.address = address
        self._name = name
        self._keys = keys
        self._lock = asyncio.Lock()
        self._client: BleakClient | None = None
        self._session: NukiBleSession | None = None
        self._idle: CALLBACK_TYPE | None = None

    @property
    def connected(self) -> bool:
        """Whether the link is up now."""
        return self._client is not None and self._client.is_connected

    @asynccontextmanager
    async def async_session(self) -> AsyncIterator[NukiBleSession]:
        """Hold the lock's link for one operation; vendor errors come out of it."""
        async with self._lock:
            self._cancel_idle()
            try:
                yield await self._async_connected()
            except NukiCommandError as err:
                raise vendor_error(err) from err
            except (BleakError, TimeoutError, NukiProtocolError, EOFError) as err:
                LOGGER.debug(
                    "Nuki %s: Bluetooth operation failed: %s",
                    self.address,
                    type(err).__name__,
                )
                await self._async_drop()
                raise VendorUnavailableError(
                    "The lock did not answer over Bluetooth; it may be out of range."
                ) from err
            finally:
                if self.connected:
                    self._idle = async_call_later(
                        self.hass, IDLE_DISCONNECT, self._async_idle
                    )

    async def _async_connected(self) -> NukiBleSession:
        if self._session is not None and self.connected:
            return self._session
        device = bluetooth.async_ble_device_from_address(
            self.hass, self.address, connectable=True
        )
        if device is None:
            raise VendorUnavailableError(OUT_OF_RANGE)
        LOGGER.debug("Nuki %s: connecting", self.address)
        client = await establish_connection(
            BleakClientWithServiceCache,
            device,
            self._name,
            disconnected_callback=self._on_disconnect,
            max_attempts=CONNECT_ATTEMPTS,
            ble_device_callback=lambda: (
                bluetooth.async_ble_device_from_address(
                    self.hass, self.address, connectable=True
                )
                or device
            ),
        )
        self._client = client
        session = NukiBleSession(client, self._keys)
        await session.async_start()
        self._session = session
        return session

    def _on_disconnect(self, client: BleakClient) -> None:
        if client is self._client:
            LOGGER.debug("Nuki %s: disconnected", self.address)
            self._client = None
            self._session = None

    async def _async_idle(self, _now: datetime) -> None:
        self._idle = None
        async with self._lock:
            await self._async_drop()

    def _cancel_idle(self) -> None:
        if self._idle is not None:
            self._idle()
            self._idle = None

    async def _async_drop(self) -> None:
        client, self._client, self._session = self._client, None, None
        if client is not None:
            try:
                await client.disconnect()
            except (BleakError, TimeoutError, EOFError):
                LOGGER.debug("Nuki %s: disconnect failed", self.address)

    async def async_close(self) -> None:
        """Drop the link now (the entry is unloading)."""
        self._cancel_idle()
        async with self._lock:
            await self._async_drop()
