"""Config and options flow steps of a reservations entry.

`ReservationsFlowMixin` is mixed into the integration's config flow: it adds the
`reservations` step (a feed or a calendar, and the locks it drives) and serves the
`reconfigure` step of a reservations entry. `ReservationsOptionsFlow` is the entry's
options flow: how its codes follow its stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
import hashlib
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_NAME
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    DeviceSelector,
    DeviceSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
    TimeSelector,
)
from homeassistant.util import dt as dt_util

from ..const import (
    CODE_CHOICE_PHONE,
    CODE_CHOICE_RANDOM,
    CONF_ALLOW_HTTP,
    CONF_AUTO_ISSUE,
    CONF_AUTO_REVOKE,
    CONF_CALENDAR,
    CONF_CHECKIN,
    CONF_CHECKOUT,
    CONF_CODE_CHOICE,
    CONF_ISSUE_HOURS_BEFORE,
    CONF_KIND,
    CONF_LOCKS,
    CONF_LONGEST_STAY,
    CONF_MARGIN_AFTER,
    CONF_MARGIN_BEFORE,
    CONF_NOT_ARRIVED,
    CONF_NOT_ARRIVED_HOURS,
    CONF_REFRESH_MINUTES,
    CONF_SAME_CODE,
    CONF_SKIP_PATTERNS,
    CONF_URL,
    DEFAULT_CHECKIN,
    DEFAULT_CHECKOUT,
    DEFAULT_OPTIONS,
    DOMAIN,
    NOT_ARRIVED_ALL,
    NOT_ARRIVED_OFF,
    NOT_ARRIVED_USE_BY,
    EntryKind,
)
from ..field_checks import is_feed_address, is_name, pattern_problem, text_errors
from ..locks import lock_key_of_device, locks_for_keys
from ..vendors.home_assistant.actions import INTEGRATIONS_WITH_CODES
from .feed import DEFAULT_BLOCK_PATTERNS, parse_feed
from .feed_address import feed_address_key
from .feed_fetch import FeedError, async_fetch_feed, is_secure

# A feed refused for what it is (not for a network failure): the form's error.
_FEED_ERRORS = {
    "feed_malformed": "invalid_feed",
    "feed_too_large": "invalid_feed",
    "feed_too_complex": "feed_too_complex",
    "feed_unreadable": "feed_unreadable",
    "feed_insecure": "insecure_redirect",
}


RESERVATIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NAME): TextSelector(),
        vol.Optional(CONF_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL)
        ),
        vol.Optional(CONF_CALENDAR): EntitySelector(
            EntitySelectorConfig(domain="calendar")
        ),
        # LockBooking's own locks, and the devices of locks already in Home Assistant
        # that a "Locks in Home Assistant" account manages.
        vol.Required(CONF_LOCKS): DeviceSelector(
            DeviceSelectorConfig(
                filter=[
                    {"integration": integration}
                    for integration in (DOMAIN, *INTEGRATIONS_WITH_CODES)
                ],
                multiple=True,
            )
        ),
        vol.Required(CONF_CHECKIN, default=DEFAULT_CHECKIN): TimeSelector(),
        vol.Required(CONF_CHECKOUT, default=DEFAULT_CHECKOUT): TimeSelector(),
        vol.Optional(CONF_ALLOW_HTTP, default=False): BooleanSelector(),
    }
)


def _minutes(maximum: int) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(min=0, max=maximum, step=1, mode=NumberSelectorMode.BOX)
    )


OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_AUTO_ISSUE): BooleanSelector(),
        vol.Required(CONF_ISSUE_HOURS_BEFORE): vol.All(
            _minutes(24 * 30), vol.Coerce(int)
        ),
        vol.Required(CONF_MARGIN_BEFORE): vol.All(_minutes(24 * 60), vol.Coerce(int)),
        vol.Required(CONF_MARGIN_AFTER): vol.All(_minutes(24 * 60), vol.Coerce(int)),
        vol.Required(CONF_AUTO_REVOKE): BooleanSelector(),
        vol.Optional(CONF_SKIP_PATTERNS): TextSelector(
            TextSelectorConfig(multiple=True)
        ),
        vol.Optional(CONF_LONGEST_STAY): vol.All(
            NumberSelector(
                NumberSelectorConfig(min=1, max=730, mode=NumberSelectorMode.BOX)
            ),
            vol.Coerce(int),
        ),
        vol.Required(CONF_REFRESH_MINUTES): vol.All(
            NumberSelector(
                NumberSelectorConfig(min=5, max=24 * 60, mode=NumberSelectorMode.BOX)
            ),
            vol.Coerce(int),
        ),
        vol.Optional(CONF_CODE_CHOICE): SelectSelector(
            SelectSelectorConfig(
                options=[CODE_CHOICE_RANDOM, CODE_CHOICE_PHONE],
                translation_key=CONF_CODE_CHOICE,
                mode=SelectSelectorMode.LIST,
            )
        ),
        vol.Optional(CONF_SAME_CODE): BooleanSelector(),
        vol.Optional(CONF_NOT_ARRIVED): SelectSelector(
            SelectSelectorConfig(
                options=[NOT_ARRIVED_USE_BY, NOT_ARRIVED_ALL, NOT_ARRIVED_OFF],
                translation_key=CONF_NOT_ARRIVED,
                mode=SelectSelectorMode.LIST,
            )
        ),
        vol.Optional(CONF_NOT_ARRIVED_HOURS): vol.All(_minutes(48), vol.Coerce(int)),
    }
)


class ReservationsOptionsFlow(OptionsFlowWithReload):
    """How a reservations entry's codes follow its stays."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One form with every option."""
        errors: dict[str, str] = {}
        if user_input is not None:
            patterns = [
                pattern
                for pattern in user_input.get(CONF_SKIP_PATTERNS, [])
                if pattern.strip()
            ]
            errors = text_errors(user_input)
            if CONF_SKIP_PATTERNS not in errors and (
                problem := next(filter(None, map(pattern_problem, patterns)), None)
            ):
                errors[CONF_SKIP_PATTERNS] = problem
            if not errors:
                if CONF_SKIP_PATTERNS in user_input:
                    user_input = {**user_input, CONF_SKIP_PATTERNS: patterns}
                return self.async_create_entry(data=user_input)
        current = {
            **DEFAULT_OPTIONS,
            CONF_SKIP_PATTERNS: list(DEFAULT_BLOCK_PATTERNS),
            **self.config_entry.options,
            **(user_input or {}),
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, current),
            errors=errors,
        )


class ReservationsFlowMixin(ConfigFlow):
    """The steps that add or reconfigure a reservations entry."""

    async def async_step_reservations(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a reservations entry: a feed or a calendar, and the locks it drives."""
        return await self._async_step_reservations(user_input, "reservations")

    async def _async_reconfigure_reservations(
        self, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Show a reservations entry's form, filled in, as its `reconfigure` step."""
        return await self._async_step_reservations(user_input, "reconfigure")

    def _feed_configured(self, url: str) -> bool:
        """Tell whether an entry follows this feed, however either address is spelled.

        Entries made before the unique id was made from `feed_address_key` have one
        made from the address as given.
        """
        key = feed_address_key(url)
        return any(
            feed_address_key(str(entry.data.get(CONF_URL) or "")) == key
            for entry in self._async_current_entries(include_ignore=False)
            if entry.data.get(CONF_URL)
        )

    async def _async_step_reservations(
        self, user_input: dict[str, Any] | None, step_id: str
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        suggested: Mapping[str, Any] | None = user_input
        if user_input is not None:
            url = str(user_input.get(CONF_URL, "")).strip()
            calendar = user_input.get(CONF_CALENDAR)
            keys = list(
                dict.fromkeys(
                    lock_key_of_device(self.hass, device)
                    for device in user_input.get(CONF_LOCKS, [])
                )
            )
            errors = self._reservation_field_errors(user_input, keys)
            if not errors and url:
                errors = await self._async_check_feed(
                    url, bool(user_input.get(CONF_ALLOW_HTTP))
                )
            if not errors:
                name = " ".join(user_input[CONF_NAME].split())
                # Locks are kept by their stable key, not by device id.
                data = {
                    CONF_KIND: EntryKind.RESERVATIONS.value,
                    **{k: v for k, v in user_input.items() if k != CONF_URL},
                    **({CONF_URL: url} if url else {}),
                    CONF_NAME: name,
                    # The time selector lets "7:5" through; the entry reads ISO times.
                    CONF_CHECKIN: cv.time(user_input[CONF_CHECKIN]).isoformat(),
                    CONF_CHECKOUT: cv.time(user_input[CONF_CHECKOUT]).isoformat(),
                    CONF_LOCKS: keys,
                }
                source = hashlib.sha256(
                    str(feed_address_key(url) if url else calendar).encode()
                ).hexdigest()[:16]
                await self.async_set_unique_id(f"reservations_{source}")
                if self.source == SOURCE_RECONFIGURE:
                    return self.async_update_reload_and_abort(
                        self._get_reconfigure_entry(),
                        unique_id=f"reservations_{source}",
                        title=name,
                        data=data,
                    )
                self._abort_if_unique_id_configured()
                if url and self._feed_configured(url):
                    return self.async_abort(reason="already_configured")
                return self.async_create_entry(
                    title=name, data=data, options=DEFAULT_OPTIONS
                )
        elif self.source == SOURCE_RECONFIGURE:
            stored = self._get_reconfigure_entry().data
            suggested = {
                **stored,
                CONF_LOCKS: [
                    t.device_id for t in locks_for_keys(self.hass, stored[CONF_LOCKS])
                ],
            }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                RESERVATIONS_SCHEMA, suggested
            ),
            errors=errors,
        )

    def _reservation_field_errors(
        self, user_input: Mapping[str, Any], lock_keys: list[str | None]
    ) -> dict[str, str]:
        """Form errors found without fetching anything; `lock_keys` of the chosen locks."""
        errors = text_errors(user_input)
        if CONF_NAME not in errors and not is_name(user_input.get(CONF_NAME, "")):
            errors[CONF_NAME] = "invalid_name"
        url = str(user_input.get(CONF_URL, "")).strip()
        if CONF_URL not in errors and url and not is_feed_address(url):
            errors[CONF_URL] = "invalid_url"
        elif url and not is_secure(url) and not user_input.get(CONF_ALLOW_HTTP):
            errors[CONF_URL] = "insecure_url"
        if errors:
            return errors
        calendar = user_input.get(CONF_CALENDAR)
        if bool(url) == bool(calendar):
            return {"base": "url_or_calendar"}
        if (
            calendar
            and self.hass.states.get(calendar) is None
            and er.async_get(self.hass).async_get(calendar) is None
        ):
            return {CONF_CALENDAR: "calendar_not_found"}
        if None in lock_keys or not lock_keys:
            return {CONF_LOCKS: "no_locks"}
        return {}

    async def _async_check_feed(self, url: str, allow_http: bool) -> dict[str, str]:
        """Fetch and read the feed once; form errors back (none when it can be used)."""
        try:
            fetch = await async_fetch_feed(self.hass, url, allow_http=allow_http)
            await self.hass.async_add_executor_job(
                parse_feed,
                fetch.body or "",
                dt_util.get_default_time_zone(),
                time(16),
                time(11),
            )
        except FeedError as err:
            if err.key in _FEED_ERRORS:
                return {CONF_URL: _FEED_ERRORS[err.key]}
            return {"base": "cannot_connect"}
        return {}
