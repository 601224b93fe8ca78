"""Config flow: a menu of account kinds, then one form per kind.

Every vendor account goes through the same steps; what differs (the form's fields,
which of them are secret, how the credentials are checked) is declared by the vendor
class, so a new vendor needs no new flow code beyond its one-line step.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
import hashlib
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    DeviceSelector,
    DeviceSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
    TimeSelector,
)
from homeassistant.util import dt as dt_util

from .const import (
    CONF_AUTO_ISSUE,
    CONF_AUTO_REVOKE,
    CONF_CALENDAR,
    CONF_CHECKIN,
    CONF_CHECKOUT,
    CONF_ISSUE_HOURS_BEFORE,
    CONF_KIND,
    CONF_LOCKS,
    CONF_MARGIN_AFTER,
    CONF_MARGIN_BEFORE,
    CONF_REFRESH_MINUTES,
    CONF_SHOW_CODES,
    CONF_SKIP_PATTERNS,
    CONF_URL,
    DEFAULT_CHECKIN,
    DEFAULT_CHECKOUT,
    DEFAULT_OPTIONS,
    DOMAIN,
    LOGGER,
    EntryKind,
)
from .reservations.feed import (
    DEFAULT_BLOCK_PATTERNS,
    FeedError,
    async_fetch_feed,
    feed_url,
    parse_feed,
)
from .services import lock_key_of_device, locks_for_keys
from .vendors import VENDORS, create_vendor
from .vendors.base import (
    AccountIdentity,
    VendorAuthError,
    VendorInputError,
    VendorUnavailableError,
)


RESERVATIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Optional(CONF_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
        vol.Optional(CONF_CALENDAR): EntitySelector(EntitySelectorConfig(domain="calendar")),
        vol.Required(CONF_LOCKS): DeviceSelector(
            DeviceSelectorConfig(integration=DOMAIN, multiple=True)
        ),
        vol.Required(CONF_CHECKIN, default=DEFAULT_CHECKIN): TimeSelector(),
        vol.Required(CONF_CHECKOUT, default=DEFAULT_CHECKOUT): TimeSelector(),
    }
)


def _minutes(maximum: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=0, max=maximum, step=1, mode=NumberSelectorMode.BOX)
    )


OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_AUTO_ISSUE): BooleanSelector(),
        vol.Required(CONF_ISSUE_HOURS_BEFORE): vol.All(_minutes(24 * 30), vol.Coerce(int)),
        vol.Required(CONF_MARGIN_BEFORE): vol.All(_minutes(24 * 60), vol.Coerce(int)),
        vol.Required(CONF_MARGIN_AFTER): vol.All(_minutes(24 * 60), vol.Coerce(int)),
        vol.Required(CONF_AUTO_REVOKE): BooleanSelector(),
        vol.Optional(CONF_SKIP_PATTERNS): TextSelector(TextSelectorConfig(multiple=True)),
        vol.Required(CONF_REFRESH_MINUTES): vol.All(
            NumberSelector(NumberSelectorConfig(min=5, max=24 * 60, mode=NumberSelectorMode.BOX)),
            vol.Coerce(int),
        ),
        vol.Required(CONF_SHOW_CODES): BooleanSelector(),
    }
)


class ReservationsOptionsFlow(OptionsFlow):
    """How a reservations entry's codes follow its stays."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One form with every option."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        current = {
            **DEFAULT_OPTIONS,
            CONF_SKIP_PATTERNS: list(DEFAULT_BLOCK_PATTERNS),
            **self.config_entry.options,
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, current),
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
            step_id="user",
            menu_options=[*(kind.value for kind in VENDORS), EntryKind.RESERVATIONS.value],
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

    async def async_step_reservations(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a reservations entry: a feed or a calendar, and the locks it drives."""
        return await self._async_step_reservations(user_input, "reservations")

    async def _async_step_reservations(
        self, user_input: dict[str, Any] | None, step_id: str
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        suggested: Mapping[str, Any] | None = user_input
        if user_input is not None:
            url = str(user_input.get(CONF_URL, "")).strip()
            calendar = user_input.get(CONF_CALENDAR)
            if bool(url) == bool(calendar):
                errors["base"] = "url_or_calendar"
            elif None in (keys := [lock_key_of_device(self.hass, d) for d in user_input.get(CONF_LOCKS, [])]) or not keys:
                errors[CONF_LOCKS] = "no_locks"
            elif url:
                errors = await self._async_check_feed(url)
            if not errors:
                # Locks are kept by their stable key, not by device id.
                data = {
                    CONF_KIND: EntryKind.RESERVATIONS.value,
                    **{k: v for k, v in user_input.items() if k != CONF_URL},
                    **({CONF_URL: url} if url else {}),
                    CONF_LOCKS: keys,
                }
                source = hashlib.sha256(str(url or calendar).encode()).hexdigest()[:16]
                await self.async_set_unique_id(f"reservations_{source}")
                if self.source == SOURCE_RECONFIGURE:
                    return self.async_update_reload_and_abort(
                        self._get_reconfigure_entry(),
                        unique_id=f"reservations_{source}",
                        title=user_input[CONF_NAME],
                        data=data,
                    )
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=user_input[CONF_NAME], data=data, options=DEFAULT_OPTIONS
                )
        elif self.source == SOURCE_RECONFIGURE:
            data = self._get_reconfigure_entry().data
            suggested = {
                **data,
                CONF_LOCKS: [t.device_id for t in locks_for_keys(self.hass, data[CONF_LOCKS])],
            }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(RESERVATIONS_SCHEMA, suggested),
            errors=errors,
        )

    async def _async_check_feed(self, url: str) -> dict[str, str]:
        if not feed_url(url).lower().startswith(("http://", "https://")):
            return {CONF_URL: "invalid_url"}
        try:
            fetch = await async_fetch_feed(self.hass, url)
            await self.hass.async_add_executor_job(
                parse_feed, fetch.body or "", dt_util.get_default_time_zone(), time(16), time(11)
            )
        except FeedError as err:
            if err.key in ("feed_malformed", "feed_too_large"):
                return {CONF_URL: "invalid_feed"}
            return {"base": "cannot_connect"}
        return {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Options of a reservations entry."""
        return ReservationsOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        """Only reservations entries have options."""
        return config_entry.data.get(CONF_KIND) == EntryKind.RESERVATIONS

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
        if entry.data[CONF_KIND] == EntryKind.RESERVATIONS:
            return await self._async_step_reservations(user_input, "reconfigure")
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
