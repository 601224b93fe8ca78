"""The Bluetooth half of the Nuki pairing steps: find locks, pair, the PIN form.

Imported by `flow` only when a host pairs a Nuki lock, since it needs Home
Assistant's Bluetooth stack, PyNaCl and pyNukiBT.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

from nacl.public import PrivateKey
import voluptuous as vol

from homeassistant.components import bluetooth
from homeassistant.core import HomeAssistant

from ..base import VendorError, VendorInputError
from .connection import NukiBleConnection
from .protocol import KEYTURNER_SERVICE, PAIRING_SERVICE, shared_key
from .vendor import (
    APPLE,
    CONF_APP_ID,
    CONF_AUTH_ID,
    CONF_SHARED_KEY,
    NukiBleVendor,
)

# An iBeacon (0x02, length 0x15) whose UUID is the keyturner service's.
NUKI_BEACON: Final = bytes([0x02, 0x15]) + bytes.fromhex("a92ee200")
CLIENT_NAME: Final = "Home Assistant"
PIN_SCHEMA: Final[vol.Schema] = NukiBleVendor.config_schema


def is_nuki(info: bluetooth.BluetoothServiceInfoBleak) -> bool:
    """Whether an advertisement comes from a Nuki smart lock."""
    return (
        PAIRING_SERVICE in info.service_data
        or KEYTURNER_SERVICE in info.service_uuids
        or info.manufacturer_data.get(APPLE, b"").startswith(NUKI_BEACON)
    )


def discovered_locks(hass: HomeAssistant) -> dict[str, str]:
    """List the Nuki locks Home Assistant hears and can connect to: address -> name."""
    return {
        info.address: info.name
        for info in bluetooth.async_discovered_service_info(hass, connectable=True)
        if is_nuki(info)
    }


def lock_name(hass: HomeAssistant, address: str) -> str:
    """Name a lock as it advertises itself, or by its address."""
    info = bluetooth.async_last_service_info(hass, address, connectable=True)
    return (info.name if info else None) or address


async def async_pair(
    hass: HomeAssistant, address: str
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Pair with the lock as an app: the keys for the entry, or form errors."""
    private_key = PrivateKey.generate()
    app_id = secrets.randbelow(0xFFFFFFFE) + 1
    connection = NukiBleConnection(hass, address, CLIENT_NAME, None)
    try:
        async with connection.async_session() as session:
            pairing = await session.async_pair(
                bytes(private_key),
                bytes(private_key.public_key),
                app_id,
                CLIENT_NAME,
            )
    except VendorInputError as err:
        return None, {err.field: err.error}
    except VendorError:
        return None, {"base": "cannot_connect"}
    finally:
        await connection.async_close()
    keys = {
        CONF_AUTH_ID: pairing.auth_id.hex(),
        CONF_SHARED_KEY: shared_key(pairing.lock_public_key, bytes(private_key)).hex(),
        CONF_APP_ID: app_id,
    }
    return keys, {}
