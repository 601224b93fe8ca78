"""Config flow: a menu of account kinds, then one form per kind.

Every vendor account goes through the same steps; what differs (the form's fields,
which of them are secret, how the credentials are checked) is declared by the vendor
class, so a new vendor needs no new flow code beyond its one-line step. The steps of a
reservations entry and its options flow are in `reservations/flow.py`, a vendor's own
steps in its `flow.py`; the checks of typed text in `field_checks.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST
from homeassistant.core import callback

from .const import CONF_KIND, DOMAIN, LOGGER, EntryKind
from .field_checks import is_host, text_errors
from .reservations.flow import ReservationsFlowMixin, ReservationsOptionsFlow
from .vendors import VENDOR_MODULES, async_get_vendor_class
from .vendors.base import (
    AccountIdentity,
    VendorAuthError,
    VendorCertificateError,
    VendorInputError,
    VendorUnavailableError,
)
from .vendors.home_assistant.flow import (
    HomeAssistantLocksFlowMixin,
    HomeAssistantLocksOptionsFlow,
)
from .vendors.nuki_ble.flow import NukiBleFlowMixin
from .vendors.unifi_access.flow import UNTRUSTED_CERTIFICATE, CertificateTrustFlowMixin


class LockbookingConfigFlow(
    ReservationsFlowMixin,
    HomeAssistantLocksFlowMixin,
    NukiBleFlowMixin,
    CertificateTrustFlowMixin,
    ConfigFlow,
    domain=DOMAIN,
):
    """Add, re-authenticate or reconfigure a vendor account or a reservations entry."""

    VERSION = 1
    # 1.2: reservations entries lost the "show codes in the calendar" option.
    MINOR_VERSION = 2

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of account to add."""
        return self.async_show_menu(
            step_id="user",
            menu_options=[
                *(kind.value for kind in VENDOR_MODULES),
                EntryKind.RESERVATIONS.value,
            ],
        )

    async def async_step_demo(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a demo account with simulated locks."""
        return await self._async_step_account(EntryKind.DEMO, user_input)

    async def async_step_igloohome(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add an igloohome (iglooaccess API) account."""
        return await self._async_step_account(EntryKind.IGLOOHOME, user_input)

    async def async_step_nuki(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a Nuki Web account."""
        return await self._async_step_account(EntryKind.NUKI, user_input)

    async def async_step_unifi_access(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a UniFi Access controller."""
        return await self._async_step_account(EntryKind.UNIFI_ACCESS, user_input)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Options of a reservations entry or of the "Locks in Home Assistant" account."""
        if config_entry.data.get(CONF_KIND) == EntryKind.HOME_ASSISTANT:
            return HomeAssistantLocksOptionsFlow()
        return ReservationsOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Only reservations entries and the "Locks in Home Assistant" account have options."""
        return config_entry.data.get(CONF_KIND) in (
            EntryKind.RESERVATIONS,
            EntryKind.HOME_ASSISTANT,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start re-authentication when the vendor refuses the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask again for the account's secrets only."""
        entry = self._get_reauth_entry()
        kind = EntryKind(entry.data[CONF_KIND])
        vendor_class = await async_get_vendor_class(self.hass, kind)
        secret_schema = vol.Schema(
            {
                key: value
                for key, value in vendor_class.config_schema.schema.items()
                if key in vendor_class.secret_fields
            }
        )
        errors: dict[str, str] = {}
        if user_input is not None:
            data = self._with_certificate({**entry.data, **user_input})
            identity, errors = await self._async_identify(data)
            if errors.get("base") == UNTRUSTED_CERTIFICATE:
                self._resume = partial(self.async_step_reauth_confirm, user_input)
                return await self.async_step_trust_certificate()
            if identity is not None:
                await self.async_set_unique_id(identity.unique_id)
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=secret_schema,
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change an account's settings (same account only)."""
        entry = self._get_reconfigure_entry()
        if entry.data[CONF_KIND] == EntryKind.RESERVATIONS:
            return await self._async_reconfigure_reservations(user_input)
        if entry.data[CONF_KIND] == EntryKind.NUKI_BLE:
            return await self.async_step_nuki_ble_reconfigure(user_input)
        if entry.data[CONF_KIND] == EntryKind.HOME_ASSISTANT:
            # Nothing but its locks to change, and its options flow does that.
            return self.async_abort(reason="reconfigure_in_options")
        return await self._async_step_account(
            EntryKind(entry.data[CONF_KIND]), user_input, step_id="reconfigure"
        )

    async def _async_step_account(
        self,
        kind: EntryKind,
        user_input: dict[str, Any] | None,
        step_id: str | None = None,
    ) -> ConfigFlowResult:
        vendor_class = await async_get_vendor_class(self.hass, kind)
        errors: dict[str, str] = {}
        suggested: Mapping[str, Any] | None = user_input
        if user_input is not None:
            data = self._with_certificate({CONF_KIND: kind.value, **user_input})
            identity, errors = await self._async_identify(data)
            if errors.get("base") == UNTRUSTED_CERTIFICATE:
                self._resume = partial(
                    self._async_step_account, kind, user_input, step_id
                )
                return await self.async_step_trust_certificate()
            if identity is not None:
                await self.async_set_unique_id(identity.unique_id)
                if self.source == SOURCE_RECONFIGURE:
                    self._abort_if_unique_id_mismatch(reason="wrong_account")
                    return self.async_update_reload_and_abort(
                        self._get_reconfigure_entry(), data=data
                    )
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=identity.title, data=data)
        elif self.source == SOURCE_RECONFIGURE:
            suggested = {
                key: value
                for key, value in self._get_reconfigure_entry().data.items()
                if key not in vendor_class.secret_fields
            }
        return self.async_show_form(
            step_id=step_id or kind.value,
            data_schema=self.add_suggested_values_to_schema(
                vendor_class.config_schema, suggested
            ),
            errors=errors,
        )

    async def _async_identify(
        self, data: dict[str, Any]
    ) -> tuple[AccountIdentity | None, dict[str, str]]:
        """Check the data with a real call to the vendor; errors are form errors."""
        vendor_class = await async_get_vendor_class(
            self.hass, EntryKind(data[CONF_KIND])
        )
        if errors := text_errors(data, vendor_class.secret_fields):
            return None, errors
        if CONF_HOST in data and not is_host(str(data[CONF_HOST])):
            return None, {CONF_HOST: "invalid_host"}
        try:
            vendor = vendor_class(self.hass, data)
        except (ValueError, UnicodeError):
            # Building a client does no I/O: only data no request can carry fails here
            # (a client id with a colon or non-Latin-1 letters in a Basic auth header).
            return None, {"base": "invalid_credentials"}
        try:
            return await vendor.async_identify(), {}
        except VendorCertificateError:
            return None, await self._async_offer_certificate(data)
        except VendorInputError as err:
            return None, {err.field: err.error}
        except VendorAuthError:
            return None, {"base": "invalid_auth"}
        except VendorUnavailableError:
            return None, {"base": "cannot_connect"}
        except Exception:
            LOGGER.exception("Unexpected error while checking the account")
            return None, {"base": "unknown"}
