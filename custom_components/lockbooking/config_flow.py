"""Config flow: a menu of account kinds, then one form per kind.

Every vendor account goes through the same steps; what differs (the form's fields,
which of them are secret, how the credentials are checked) is declared by the vendor
class, so a new vendor needs no new flow code beyond its one-line step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)

from .const import CONF_KIND, DOMAIN, LOGGER, EntryKind
from .vendors import VENDORS, create_vendor
from .vendors.base import (
    AccountIdentity,
    VendorAuthError,
    VendorInputError,
    VendorUnavailableError,
)


class LockbookingConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add, re-authenticate or reconfigure a vendor account."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of account to add."""
        return self.async_show_menu(
            step_id="user", menu_options=[kind.value for kind in VENDORS]
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
        schema = VENDORS[kind].config_schema
        secret_schema = vol.Schema(
            {key: value for key, value in schema.schema.items() if key in VENDORS[kind].secret_fields}
        )
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            identity, errors = await self._async_identify(data)
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
        return await self._async_step_account(
            EntryKind(entry.data[CONF_KIND]), user_input, step_id="reconfigure"
        )

    async def _async_step_account(
        self,
        kind: EntryKind,
        user_input: dict[str, Any] | None,
        step_id: str | None = None,
    ) -> ConfigFlowResult:
        vendor_class = VENDORS[kind]
        errors: dict[str, str] = {}
        suggested: Mapping[str, Any] | None = user_input
        if user_input is not None:
            data = {CONF_KIND: kind.value, **user_input}
            identity, errors = await self._async_identify(data)
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
        try:
            return await create_vendor(self.hass, data).async_identify(), {}
        except VendorInputError as err:
            return None, {err.field: err.error}
        except VendorAuthError:
            return None, {"base": "invalid_auth"}
        except VendorUnavailableError:
            return None, {"base": "cannot_connect"}
        except Exception:  # noqa: BLE001 - a flow must show a form, never a traceback
            LOGGER.exception("Unexpected error while checking the account")
            return None, {"base": "unknown"}
