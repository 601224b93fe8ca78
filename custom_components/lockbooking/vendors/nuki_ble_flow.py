"""Config flow steps of a Nuki lock over Bluetooth: discover, pair, check the PIN.

Mixed into the integration's config flow, whose `_async_identify` checks an account's
data; here that check is the lock verifying its security PIN over the new pairing.
"""

from __future__ import annotations

from collections.abc import Mapping
import secrets
from typing import Any, Final

from nacl.public import PrivateKey
import voluptuous as vol

from homeassistant.components import bluetooth
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
)

from ..const import CONF_KIND, EntryKind
from .base import AccountIdentity, VendorError, VendorInputError
from .nuki_ble import (
    APPLE,
    CONF_ADDRESS,
    CONF_APP_ID,
    CONF_AUTH_ID,
    CONF_SHARED_KEY,
    NukiBleVendor,
)
from .nuki_ble_connection import NukiBleConnection, async_ensure_bluetooth
from .nuki_ble_protocol import KEYTURNER_SERVICE, PAIRING_SERVICE, shared_key

# An iBeacon (0x02, length 0x15) whose UUID is the keyturner service's.
NUKI_BEACON: Final = bytes([0x02, 0x15]) + bytes.fromhex("a92ee200")
CLIENT_NAME: Final = "Home Assistant"


def is_nuki(info: bluetooth.BluetoothServiceInfoBleak) -> bool:
    """Whether an advertisement comes from a Nuki smart lock."""
    return (
        PAIRING_SERVICE in info.service_data
        or KEYTURNER_SERVICE in info.service_uuids
        or info.manufacturer_data.get(APPLE, b"").startswith(NUKI_BEACON)
    )


class NukiBleFlowMixin(ConfigFlow):
    """The steps of a `nuki_ble` entry."""

    _nuki_address: str = ""
    _nuki_name: str = ""
    _nuki_pairing: dict[str, Any] | None = None

    async def _async_identify(
        self, data: dict[str, Any]
    ) -> tuple[AccountIdentity | None, dict[str, str]]:
        raise NotImplementedError  # the integration's flow checks account data

    async def async_step_bluetooth(
        self, discovery_info: bluetooth.BluetoothServiceInfoBleak
    ) -> ConfigFlowResult:
        """Home Assistant heard a Nuki lock: offer to pair it."""
        await self.async_set_unique_id(discovery_info.address.upper())
        self._abort_if_unique_id_configured()
        self._nuki_address = discovery_info.address
        self._nuki_name = discovery_info.name or discovery_info.address
        self.context["title_placeholders"] = {"name": self._nuki_name}
        return await self.async_step_nuki_ble_pair()

    async def async_step_nuki_ble(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick one of the Nuki locks Home Assistant hears."""
        try:
            await async_ensure_bluetooth(self.hass)
        except VendorError:
            return self.async_abort(reason="cannot_connect")
        if user_input is not None:
            address = user_input[CONF_ADDRESS]
            await self.async_set_unique_id(address.upper(), raise_on_progress=False)
            self._abort_if_unique_id_configured()
            info = bluetooth.async_last_service_info(
                self.hass, address, connectable=True
            )
            self._nuki_address = address
            self._nuki_name = (info.name if info else None) or address
            return await self.async_step_nuki_ble_pair()
        configured = self._async_current_ids(include_ignore=False)
        options = [
            SelectOptionDict(value=info.address, label=f"{info.name} ({info.address})")
            for info in bluetooth.async_discovered_service_info(
                self.hass, connectable=True
            )
            if is_nuki(info) and info.address.upper() not in configured
        ]
        if not options:
            return self.async_abort(reason="no_devices_found")
        return self.async_show_form(
            step_id="nuki_ble",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_ADDRESS): SelectSelector(
                        SelectSelectorConfig(options=options)
                    )
                }
            ),
        )

    async def async_step_nuki_ble_pair(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the lock's pairing mode, then pair as an app."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_pair()
            if not errors:
                return await self.async_step_nuki_ble_pin()
        return self.async_show_form(
            step_id="nuki_ble_pair",
            errors=errors,
            description_placeholders={"name": self._nuki_name},
        )

    async def _async_pair(self) -> dict[str, str]:
        """Pair with the lock; form errors back, the keys kept for the entry."""
        private_key = PrivateKey.generate()
        app_id = secrets.randbelow(0xFFFFFFFE) + 1
        connection = NukiBleConnection(self.hass, self._nuki_address, CLIENT_NAME, None)
        try:
            async with connection.async_session() as session:
                pairing = await session.async_pair(
                    bytes(private_key),
                    bytes(private_key.public_key),
                    app_id,
                    CLIENT_NAME,
                )
        except VendorInputError as err:
            return {err.field: err.error}
        except VendorError:
            return {"base": "cannot_connect"}
        finally:
            await connection.async_close()
        self._nuki_pairing = {
            CONF_AUTH_ID: pairing.auth_id.hex(),
            CONF_SHARED_KEY: shared_key(
                pairing.lock_public_key, bytes(private_key)
            ).hex(),
            CONF_APP_ID: app_id,
        }
        return {}

    async def async_step_nuki_ble_pin(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the security PIN and check it on the lock."""
        assert self._nuki_pairing is not None  # set by the pairing step
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                CONF_KIND: EntryKind.NUKI_BLE.value,
                CONF_ADDRESS: self._nuki_address,
                **self._nuki_pairing,
                **user_input,
            }
            identity, errors = await self._async_identify(data)
            if identity is not None:
                await self.async_set_unique_id(
                    identity.unique_id, raise_on_progress=False
                )
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=identity.title, data=data)
        return self.async_show_form(
            step_id="nuki_ble_pin",
            data_schema=NukiBleVendor.config_schema,
            errors=errors,
            description_placeholders={"name": self._nuki_name},
        )

    async def async_step_nuki_ble_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the security PIN kept for a paired lock."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data: Mapping[str, Any] = {**entry.data, **user_input}
            identity, errors = await self._async_identify(dict(data))
            if identity is not None:
                await self.async_set_unique_id(identity.unique_id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=NukiBleVendor.config_schema,
            errors=errors,
        )
