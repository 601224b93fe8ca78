"""Config flow steps of a Nuki lock over Bluetooth: discover, pair, check the PIN.

Mixed into the integration's config flow, whose `_async_identify` checks an account's
data; here that check is the lock verifying its security PIN over the new pairing.
This module imports nothing of Bluetooth: the steps load `pairing` (Home
Assistant's Bluetooth stack, PyNaCl, pyNukiBT) when a host pairs a lock, so the flow
loads on an install without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, Protocol

import voluptuous as vol

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
)

from ...const import CONF_KIND, EntryKind
from .. import async_import_vendor_module
from ..base import AccountIdentity, VendorError

if TYPE_CHECKING:
    from homeassistant.components.bluetooth import BluetoothServiceInfoBleak

    from . import pairing

# The same key as the vendor's CONF_ADDRESS, which this module does not import.
CONF_ADDRESS: Final = "address"


class _Pairing(Protocol):
    """What these steps use of the `pairing` module, which they import when needed."""

    @property
    def PIN_SCHEMA(self) -> vol.Schema:
        """The form that asks for the security PIN."""

    def discovered_locks(self, hass: HomeAssistant) -> dict[str, str]:
        """Give the Nuki locks Home Assistant hears: address -> name."""

    def lock_name(self, hass: HomeAssistant, address: str) -> str:
        """Give the name a lock advertises, or its address."""

    async def async_pair(
        self, hass: HomeAssistant, address: str
    ) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """Pair with the lock as an app: the keys for the entry, or form errors."""


if TYPE_CHECKING:
    # mypy checks the module against what the steps expect of it.
    _PAIRING: _Pairing = pairing


class NukiBleFlowMixin(ConfigFlow):
    """The steps of a `nuki_ble` entry."""

    _nuki_address: str = ""
    _nuki_name: str = ""
    _nuki_pairing: dict[str, Any] | None = None

    async def _async_identify(
        self, data: dict[str, Any]
    ) -> tuple[AccountIdentity | None, dict[str, str]]:
        raise NotImplementedError  # the integration's flow checks account data

    async def _async_pairing(self) -> _Pairing:
        """Load the Bluetooth half of these steps, once Home Assistant's Bluetooth is up."""
        module: ModuleType = await async_import_vendor_module(
            self.hass, EntryKind.NUKI_BLE, "nuki_ble.pairing"
        )
        return module

    async def async_step_bluetooth(
        self, discovery_info: BluetoothServiceInfoBleak
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
            pairing = await self._async_pairing()
        except VendorError:
            return self.async_abort(reason="cannot_connect")
        if user_input is not None:
            address = user_input[CONF_ADDRESS]
            await self.async_set_unique_id(address.upper(), raise_on_progress=False)
            self._abort_if_unique_id_configured()
            self._nuki_address = address
            self._nuki_name = pairing.lock_name(self.hass, address)
            return await self.async_step_nuki_ble_pair()
        configured = self._async_current_ids(include_ignore=False)
        options = [
            SelectOptionDict(value=address, label=f"{name} ({address})")
            for address, name in pairing.discovered_locks(self.hass).items()
            if address.upper() not in configured
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
        pairing = await self._async_pairing()
        keys, errors = await pairing.async_pair(self.hass, self._nuki_address)
        if keys is not None:
            self._nuki_pairing = keys
        return errors

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
            data_schema=(await self._async_pairing()).PIN_SCHEMA,
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
            data_schema=(await self._async_pairing()).PIN_SCHEMA,
            errors=errors,
        )
