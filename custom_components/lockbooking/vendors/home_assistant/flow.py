"""Config and options flow steps of a "Locks in Home Assistant" account.

The host picks lock entities other integrations provide and, per lock, the run of code
slots lockbooking may write (first slot and count) and the length of its codes. The
account keeps them in its options, keyed by entity registry id (which a rename keeps).
Mixed into the integration's config flow; `HomeAssistantLocksOptionsFlow` is the
account's options flow. This module does not import the vendor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol

from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntityFilterSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from ...const import (
    CONF_CODE_LENGTH,
    CONF_FIRST_SLOT,
    CONF_KIND,
    CONF_LOCK_ENTITIES,
    CONF_SLOT_COUNT,
    DEFAULT_CODE_LENGTH,
    EntryKind,
)
from ...ledger import LEDGER
from ...locks import lock_key
from ...models import SlotRange
from ...slots import DEFAULT_FIRST_SLOT, DEFAULT_SLOT_COUNT
from ..base import VendorError
from .actions import ACTIONS, Integration

# The account's identity, as its vendor's `async_identify` gives it (one per install).
HA_LOCKS_UNIQUE_ID: Final = "home_assistant"
HA_LOCKS_TITLE: Final = "Locks in Home Assistant"

# Matter's credential and user indexes stop at 65534 (65535 is "none").
MAX_SLOT: Final = 65534
MAX_SLOT_COUNT: Final = 50
MIN_CODE_LENGTH: Final = 4
MAX_CODE_LENGTH: Final = 10
# Schlage's `add_code` takes 4 to 8 digits.
SCHLAGE_CODE_LENGTHS: Final = range(4, 9)

DEFAULT_SETTINGS: Final[Mapping[str, int]] = {
    CONF_FIRST_SLOT: DEFAULT_FIRST_SLOT,
    CONF_SLOT_COUNT: DEFAULT_SLOT_COUNT,
    CONF_CODE_LENGTH: DEFAULT_CODE_LENGTH,
}
SUPPORTED: Final = ", ".join(
    ("Z-Wave JS", "ZHA", "Matter (Home Assistant 2026.3 or later)", "Schlage")
)

LOCKS_FIELD: Final[dict[vol.Marker, Any]] = {
    vol.Required(CONF_LOCK_ENTITIES): EntitySelector(
        EntitySelectorConfig(
            multiple=True,
            filter=[
                EntityFilterSelectorConfig(integration=integration, domain="lock")
                for integration in Integration
            ],
        )
    )
}


def _box(low: int, high: int) -> vol.All:
    return vol.All(
        NumberSelector(
            NumberSelectorConfig(min=low, max=high, step=1, mode=NumberSelectorMode.BOX)
        ),
        vol.Coerce(int),
    )


def settings_fields(defaults: Mapping[str, int]) -> dict[vol.Marker, Any]:
    """Build the fields of one lock's slots and code length, with these defaults."""
    return {
        vol.Required(CONF_FIRST_SLOT, default=defaults[CONF_FIRST_SLOT]): _box(
            1, MAX_SLOT
        ),
        vol.Required(CONF_SLOT_COUNT, default=defaults[CONF_SLOT_COUNT]): _box(
            1, MAX_SLOT_COUNT
        ),
        vol.Required(CONF_CODE_LENGTH, default=defaults[CONF_CODE_LENGTH]): _box(
            MIN_CODE_LENGTH, MAX_CODE_LENGTH
        ),
    }


ACCOUNT_SCHEMA: Final = vol.Schema({**LOCKS_FIELD, **settings_fields(DEFAULT_SETTINGS)})
LOCKS_SCHEMA: Final = vol.Schema(LOCKS_FIELD)


def _placeholders(lock: str = "", integration: str = "") -> dict[str, str]:
    """Every placeholder the forms and their errors use."""
    return {"lock": lock, "integration": integration, "integrations": SUPPORTED}


def lock_name(hass: HomeAssistant, entity_id: str) -> str:
    """Give a lock's name as the host sees it, or its entity id."""
    state = hass.states.get(entity_id)
    return state.name if state is not None else entity_id


def check_locks(
    hass: HomeAssistant, chosen: list[str]
) -> tuple[list[er.RegistryEntry], dict[str, str], dict[str, str]]:
    """Check the chosen lock entities: their registry entries, form errors, placeholders."""
    registry = er.async_get(hass)
    entries: list[er.RegistryEntry] = []
    for value in chosen:
        entry = registry.async_get(value)
        if (
            entry is None
            or entry.domain != "lock"
            or entry.platform not in set(Integration)
        ):
            name = lock_name(hass, entry.entity_id if entry else value)
            return [], {CONF_LOCK_ENTITIES: "unsupported_lock"}, _placeholders(name)
        name = lock_name(hass, entry.entity_id)
        if any(other.id == entry.id for other in entries):
            return [], {CONF_LOCK_ENTITIES: "duplicate_lock"}, _placeholders(name)
        actions = ACTIONS[Integration(entry.platform)]
        if not hass.services.has_service(entry.platform, actions.set_action):
            return (
                [],
                {CONF_LOCK_ENTITIES: "lock_actions_missing"},
                _placeholders(name, entry.platform),
            )
        entries.append(entry)
    if not entries:
        return [], {CONF_LOCK_ENTITIES: "no_lock_entities"}, _placeholders()
    return entries, {}, _placeholders()


def check_settings(platforms: set[str], settings: Mapping[str, int]) -> dict[str, str]:
    """Form errors of slot and length settings for locks of these integrations."""
    if settings[CONF_FIRST_SLOT] + settings[CONF_SLOT_COUNT] - 1 > MAX_SLOT:
        return {CONF_SLOT_COUNT: "slots_out_of_range"}
    if (
        Integration.SCHLAGE in platforms
        and settings[CONF_CODE_LENGTH] not in SCHLAGE_CODE_LENGTHS
    ):
        return {CONF_CODE_LENGTH: "schlage_code_length"}
    return {}


def _settings(user_input: Mapping[str, Any]) -> dict[str, int]:
    return {key: int(user_input[key]) for key in DEFAULT_SETTINGS}


class HomeAssistantLocksFlowMixin(ConfigFlow):
    """The step that adds the "Locks in Home Assistant" account."""

    async def async_step_home_assistant(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick lock entities of supported integrations, and their slots and code length."""
        await self.async_set_unique_id(HA_LOCKS_UNIQUE_ID, raise_on_progress=False)
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        placeholders = _placeholders()
        if user_input is not None:
            entries, errors, placeholders = check_locks(
                self.hass, user_input[CONF_LOCK_ENTITIES]
            )
            settings = _settings(user_input)
            if not errors:
                errors = check_settings({e.platform for e in entries}, settings)
            if not errors:
                return self.async_create_entry(
                    title=HA_LOCKS_TITLE,
                    data={CONF_KIND: EntryKind.HOME_ASSISTANT.value},
                    options={
                        CONF_LOCK_ENTITIES: {entry.id: settings for entry in entries}
                    },
                )
        return self.async_show_form(
            step_id=EntryKind.HOME_ASSISTANT.value,
            data_schema=self.add_suggested_values_to_schema(ACCOUNT_SCHEMA, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )


class HomeAssistantLocksOptionsFlow(OptionsFlowWithReload):
    """Change which locks the account drives, then each lock's slots and code length."""

    def __init__(self) -> None:
        """Start with no lock chosen yet."""
        self._pending: list[er.RegistryEntry] = []
        self._chosen: dict[str, dict[str, int]] = {}

    @property
    def _stored(self) -> Mapping[str, Mapping[str, int]]:
        stored: Mapping[str, Mapping[str, int]] = self.config_entry.options.get(
            CONF_LOCK_ENTITIES, {}
        )
        return stored

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Open the step that picks the locks (its own strings: `init` is reservations')."""
        return await self.async_step_locks()

    async def async_step_locks(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the lock entities; each one's settings follow."""
        errors: dict[str, str] = {}
        placeholders = _placeholders()
        if user_input is not None:
            entries, errors, placeholders = check_locks(
                self.hass, user_input[CONF_LOCK_ENTITIES]
            )
            if not errors:
                self._pending, self._chosen = entries, {}
                return await self.async_step_lock()
        registry = er.async_get(self.hass)
        current = [
            entry.entity_id
            for registry_id in self._stored
            if (entry := registry.async_get(registry_id)) is not None
        ]
        return self.async_show_form(
            step_id="locks",
            data_schema=self.add_suggested_values_to_schema(
                LOCKS_SCHEMA, user_input or {CONF_LOCK_ENTITIES: current}
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_release_slots(self) -> dict[str, str]:
        """Clear codes from the slots (and locks) the account stops managing, first.

        A slot lock keeps a code for good: nothing would clear one left in a slot
        lockbooking no longer manages. A lock that cannot clear them keeps its settings.
        """
        activation = getattr(self.config_entry, "runtime_data", None)
        activation = getattr(activation, "activation", None)
        ledger = self.hass.data[LEDGER]
        for registry_id in self._stored:
            chosen = self._chosen.get(registry_id)
            keep = (
                SlotRange(chosen[CONF_FIRST_SLOT], chosen[CONF_SLOT_COUNT])
                if chosen is not None
                else None
            )
            if activation is None:
                # The account is not loaded: nothing can clear a code it leaves behind.
                key = lock_key(self.config_entry.unique_id, registry_id)
                if any(
                    slot is not None and (keep is None or slot not in keep)
                    for record in ledger.records()
                    if record.lock_key == key
                    for slot in (record.on_lock_slot, record.stale_slot)
                ):
                    return {"base": "codes_not_released"}
                continue
            try:
                await activation.async_release(registry_id, keep)
            except VendorError:
                return {"base": "codes_not_released"}
        return {}

    async def async_step_lock(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One chosen lock's slots and code length; the options are saved after the last."""
        entry = self._pending[0]
        errors: dict[str, str] = {}
        if user_input is not None:
            settings = _settings(user_input)
            errors = check_settings({entry.platform}, settings)
            if not errors:
                self._chosen[entry.id] = settings
                if len(self._pending) > 1:
                    self._pending.pop(0)
                    return await self.async_step_lock()
                if not (errors := await self._async_release_slots()):
                    return self.async_create_entry(
                        data={
                            **self.config_entry.options,
                            CONF_LOCK_ENTITIES: self._chosen,
                        }
                    )
        defaults = {**DEFAULT_SETTINGS, **self._stored.get(entry.id, {})}
        return self.async_show_form(
            step_id="lock",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(settings_fields(defaults)), user_input
            ),
            errors=errors,
            description_placeholders=_placeholders(
                lock_name(self.hass, entry.entity_id), entry.platform
            ),
        )
