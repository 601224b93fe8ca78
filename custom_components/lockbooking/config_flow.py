"""Config flow: a menu of account kinds, then one form per kind.

Every vendor account goes through the same steps; what differs (the form's fields,
which of them are secret, how the credentials are checked) is declared by the vendor
class, so a new vendor needs no new flow code beyond its one-line step.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import suppress
from datetime import time
from functools import partial
import hashlib
from ipaddress import ip_address
import re
from typing import Any
import unicodedata
from urllib.parse import urlsplit

import voluptuous as vol
from yarl import URL

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_NAME
from homeassistant.core import callback
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

from .const import (
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
    CONF_SKIP_PATTERNS,
    CONF_URL,
    DEFAULT_CHECKIN,
    DEFAULT_CHECKOUT,
    DEFAULT_OPTIONS,
    DOMAIN,
    LOGGER,
    NOT_ARRIVED_ALGOPIN,
    NOT_ARRIVED_ALL,
    NOT_ARRIVED_OFF,
    EntryKind,
)
from .locks import lock_key_of_device, locks_for_keys
from .reservations.feed import (
    DEFAULT_BLOCK_PATTERNS,
    FeedError,
    async_fetch_feed,
    feed_url,
    is_secure,
    parse_feed,
)
from .reservations.feed_address import feed_address_key
from .vendors import VENDOR_MODULES, async_get_vendor_class
from .vendors.base import (
    AccountIdentity,
    VendorAuthError,
    VendorCertificateError,
    VendorInputError,
    VendorUnavailableError,
)
from .vendors.nuki_ble.flow import NukiBleFlowMixin
from .vendors.unifi_access.flow import UNTRUSTED_CERTIFICATE, CertificateTrustFlowMixin

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
        vol.Required(CONF_LOCKS): DeviceSelector(
            DeviceSelectorConfig(integration=DOMAIN, multiple=True)
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
        vol.Optional(CONF_NOT_ARRIVED): SelectSelector(
            SelectSelectorConfig(
                options=[NOT_ARRIVED_ALGOPIN, NOT_ARRIVED_ALL, NOT_ARRIVED_OFF],
                translation_key=CONF_NOT_ARRIVED,
                mode=SelectSelectorMode.LIST,
            )
        ),
        vol.Optional(CONF_NOT_ARRIVED_HOURS): vol.All(_minutes(48), vol.Coerce(int)),
    }
)


# Longer than any real token, host or feed address; caps what reaches a request.
MAX_TEXT_LENGTH = 2048
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.IGNORECASE)


def _text_errors(
    user_input: Mapping[str, Any], token_fields: Collection[str] = ()
) -> dict[str, str]:
    """Form errors for text no field takes: control characters, lone surrogates, size.

    Control characters would end up in HTTP headers and URLs, a lone surrogate cannot
    be saved as UTF-8 (and would stop every config entry from being saved). Tokens and
    secrets (`token_fields`) go into HTTP headers: every vendor issues them in visible
    ASCII, so anything else is a paste gone wrong.
    """
    errors: dict[str, str] = {}
    for key, value in user_input.items():
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            text = text.strip()
            if len(text) > MAX_TEXT_LENGTH:
                errors[key] = "too_long"
            elif any(unicodedata.category(char) in ("Cc", "Cs") for char in text) or (
                key in token_fields and not all("!" <= char <= "~" for char in text)
            ):
                errors[key] = "invalid_characters"
    return errors


def _is_host(value: str) -> bool:
    """Whether a host field holds a host name or IP address (scheme, port, path allowed)."""
    text = value.strip()
    scheme, separator, rest = text.partition("://")
    if separator:
        if scheme.lower() not in ("http", "https"):
            return False
        text = rest
    authority = text.split("/", 1)[0]
    with suppress(ValueError):
        ip_address(authority)  # a bare IPv6 address has colons but no port
        return True
    try:
        parts = urlsplit(f"https://{authority}")
        host, _ = parts.hostname, parts.port
    except ValueError:
        return False
    if not host or "@" in parts.netloc or parts.query or parts.fragment:
        return False
    with suppress(ValueError):
        ip_address(host)
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in ascii_host.split("."))


def _is_feed_address(url: str) -> bool:
    """Whether a feed address can be fetched: http(s) or webcal, with a host."""
    address = feed_url(url)
    if any(char.isspace() for char in address):
        return False
    try:
        parsed = URL(address)
        return (
            parsed.scheme in ("http", "https")
            and bool(parsed.host)
            and bool(parsed.port)
        )
    except ValueError:  # UnicodeError included: a host that IDNA cannot encode
        return False


def _is_name(value: str) -> bool:
    """Whether a name can be a title: at most 64 characters, a letter or digit in it."""
    name = " ".join(value.split())
    return len(name) <= 64 and any(char.isalnum() for char in name)


def _pattern_problem(pattern: str) -> str | None:
    """Why a skip pattern cannot be used (a form error), or None when it can."""
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error:
        return None  # taken as plain text
    except (OverflowError, RecursionError):
        return "invalid_pattern"
    # A pattern that matches an empty summary matches every summary: no stay left.
    return "pattern_matches_everything" if compiled.search("") else None


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
            errors = _text_errors(user_input)
            if CONF_SKIP_PATTERNS not in errors and (
                problem := next(filter(None, map(_pattern_problem, patterns)), None)
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


class LockbookingConfigFlow(
    NukiBleFlowMixin, CertificateTrustFlowMixin, ConfigFlow, domain=DOMAIN
):
    """Add, re-authenticate or reconfigure a vendor account."""

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
                return self.async_create_entry(
                    title=name, data=data, options=DEFAULT_OPTIONS
                )
        elif self.source == SOURCE_RECONFIGURE:
            data = self._get_reconfigure_entry().data
            suggested = {
                **data,
                CONF_LOCKS: [
                    t.device_id for t in locks_for_keys(self.hass, data[CONF_LOCKS])
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
        errors = _text_errors(user_input)
        if CONF_NAME not in errors and not _is_name(user_input.get(CONF_NAME, "")):
            errors[CONF_NAME] = "invalid_name"
        url = str(user_input.get(CONF_URL, "")).strip()
        if CONF_URL not in errors and url and not _is_feed_address(url):
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
            return await self._async_step_reservations(user_input, "reconfigure")
        if entry.data[CONF_KIND] == EntryKind.NUKI_BLE:
            return await self.async_step_nuki_ble_reconfigure(user_input)
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
        if errors := _text_errors(data, vendor_class.secret_fields):
            return None, errors
        if CONF_HOST in data and not _is_host(str(data[CONF_HOST])):
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
