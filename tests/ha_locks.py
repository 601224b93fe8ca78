"""Locks of other Home Assistant integrations, with their code actions stubbed.

Each integration's actions are registered under its own domain with the fields of its
`services.yaml` (a wrong field name fails the call, as it would in Home Assistant), and
act on a `FakeKeypads` table of what each lock's slots hold. Responses come back keyed
by entity id, as Home Assistant answers an entity action called with a target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
import voluptuous as vol

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)

PIN_TYPES = ["pin", "rfid", "fingerprint", "finger_vein", "face"]


@dataclass
class FakeKeypads:
    """What every stubbed lock's code slots hold, and every call made to them.

    `unreachable` holds entity ids whose calls fail as a sleeping or gone lock's do;
    `ignoring` those that answer but do not keep what they are sent.
    """

    slots: dict[str, dict[int, str]] = field(default_factory=dict)
    names: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    ignoring: set[str] = field(default_factory=set)

    def held(self, entity_id: str) -> dict[int, str]:
        """The codes a lock's slots hold now, by slot."""
        return dict(self.slots.get(entity_id, {}))

    def writes(self, action: str | None = None) -> list[dict[str, Any]]:
        """The data of each call made (to one action, if named)."""
        return [data for _, name, data in self.calls if action in (None, name)]


def _entity_ids(call: ServiceCall) -> list[str]:
    return list(cv.ensure_list(call.data[ATTR_ENTITY_ID]))


def _handler(
    keypads: FakeKeypads,
    domain: str,
    act: Callable[[str, dict[str, Any]], Any],
) -> Callable[[ServiceCall], ServiceResponse]:
    async def handle(call: ServiceCall) -> ServiceResponse:
        data = {k: v for k, v in call.data.items() if k != ATTR_ENTITY_ID}
        responses: dict[str, Any] = {}
        for entity_id in _entity_ids(call):
            keypads.calls.append(
                (domain, call.service, {**data, "entity_id": entity_id})
            )
            if entity_id in keypads.unreachable:
                raise HomeAssistantError(f"{entity_id} did not answer")
            responses[entity_id] = act(entity_id, data)
        return responses if call.return_response else None

    return handle


def _target(extra: dict[Any, Any]) -> vol.Schema:
    return cv.make_entity_service_schema(extra)


def register_zwave_js(hass: HomeAssistant, keypads: FakeKeypads, *, read: bool) -> None:
    """Z-Wave JS's `set_lock_usercode`/`clear_lock_usercode` (and 2026's read-back)."""

    def write(entity_id: str, data: dict[str, Any]) -> None:
        if entity_id not in keypads.ignoring:
            keypads.slots.setdefault(entity_id, {})[data["code_slot"]] = data[
                "usercode"
            ]

    def clear(entity_id: str, data: dict[str, Any]) -> None:
        if entity_id not in keypads.ignoring:
            keypads.slots.setdefault(entity_id, {}).pop(data["code_slot"], None)

    def get(entity_id: str, data: dict[str, Any]) -> dict[str, Any]:
        held = keypads.slots.get(entity_id, {})
        slots = [data["code_slot"]] if "code_slot" in data else sorted(held)
        return {
            str(slot): {"usercode": held.get(slot, ""), "in_use": slot in held}
            for slot in slots
        }

    slot = {vol.Required("code_slot"): vol.Coerce(int)}
    hass.services.async_register(
        "zwave_js",
        "set_lock_usercode",
        _handler(keypads, "zwave_js", write),
        _target({**slot, vol.Required("usercode"): cv.string}),
    )
    hass.services.async_register(
        "zwave_js",
        "clear_lock_usercode",
        _handler(keypads, "zwave_js", clear),
        _target(slot),
    )
    if read:
        hass.services.async_register(
            "zwave_js",
            "get_lock_usercode",
            _handler(keypads, "zwave_js", get),
            _target({vol.Optional("code_slot"): vol.Coerce(int)}),
            supports_response=SupportsResponse.ONLY,
        )


def register_zha(hass: HomeAssistant, keypads: FakeKeypads) -> None:
    """ZHA's `set_lock_user_code`/`clear_lock_user_code`: no read-back."""

    def write(entity_id: str, data: dict[str, Any]) -> None:
        if entity_id not in keypads.ignoring:
            keypads.slots.setdefault(entity_id, {})[data["code_slot"]] = data[
                "user_code"
            ]

    def clear(entity_id: str, data: dict[str, Any]) -> None:
        if entity_id not in keypads.ignoring:
            keypads.slots.setdefault(entity_id, {}).pop(data["code_slot"], None)

    slot = {vol.Required("code_slot"): vol.Coerce(int)}
    hass.services.async_register(
        "zha",
        "set_lock_user_code",
        _handler(keypads, "zha", write),
        _target({**slot, vol.Required("user_code"): cv.string}),
    )
    hass.services.async_register(
        "zha", "clear_lock_user_code", _handler(keypads, "zha", clear), _target(slot)
    )


def register_matter(hass: HomeAssistant, keypads: FakeKeypads) -> None:
    """Matter's credential actions (Home Assistant 2026.3 and later)."""
    users: dict[tuple[str, int], int] = {}

    def write(entity_id: str, data: dict[str, Any]) -> dict[str, Any]:
        index = data["credential_index"]
        if data["credential_type"] != "pin":
            raise ServiceValidationError("only PINs here")
        if entity_id not in keypads.ignoring:
            keypads.slots.setdefault(entity_id, {})[index] = data["credential_data"]
        user = users.setdefault((entity_id, index), data.get("user_index", index + 100))
        return {
            "credential_index": index,
            "user_index": user,
            "next_credential_index": index + 1,
        }

    def clear(entity_id: str, data: dict[str, Any]) -> None:
        if entity_id not in keypads.ignoring:
            keypads.slots.setdefault(entity_id, {}).pop(data["credential_index"], None)
        users.pop((entity_id, data["credential_index"]), None)

    def status(entity_id: str, data: dict[str, Any]) -> dict[str, Any]:
        index = data["credential_index"]
        exists = index in keypads.slots.get(entity_id, {})
        return {
            "credential_exists": exists,
            "user_index": users.get((entity_id, index)) if exists else None,
            "creator_fabric_index": 1 if exists else None,
            "last_modified_fabric_index": 1 if exists else None,
            "next_credential_index": index + 1,
        }

    index = vol.All(vol.Coerce(int), vol.Range(min=0))
    hass.services.async_register(
        "matter",
        "set_lock_credential",
        _handler(keypads, "matter", write),
        _target(
            {
                vol.Required("credential_type"): vol.In(PIN_TYPES),
                vol.Required("credential_data"): cv.string,
                vol.Optional("credential_index"): index,
                vol.Optional("user_index"): vol.All(vol.Coerce(int), vol.Range(min=1)),
                vol.Optional("user_status"): vol.In(
                    ["occupied_enabled", "occupied_disabled"]
                ),
                vol.Optional("user_type"): cv.string,
            }
        ),
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        "matter",
        "clear_lock_credential",
        _handler(keypads, "matter", clear),
        _target(
            {
                vol.Required("credential_type"): vol.In(PIN_TYPES),
                vol.Required("credential_index"): index,
            }
        ),
    )
    hass.services.async_register(
        "matter",
        "get_lock_credential_status",
        _handler(keypads, "matter", status),
        _target(
            {
                vol.Required("credential_type"): cv.string,
                vol.Required("credential_index"): index,
            }
        ),
        supports_response=SupportsResponse.ONLY,
    )


def register_schlage(hass: HomeAssistant, keypads: FakeKeypads) -> None:
    """Schlage's `add_code`/`delete_code`/`get_codes`: codes by name, windows on the lock."""

    def add(entity_id: str, data: dict[str, Any]) -> None:
        codes = keypads.names.setdefault(entity_id, {})
        if data["name"] in codes:
            raise ServiceValidationError("A code with this name exists")
        codes[data["name"]] = dict(data)

    def delete(entity_id: str, data: dict[str, Any]) -> None:
        keypads.names.setdefault(entity_id, {}).pop(data["name"], None)

    def get(entity_id: str, data: dict[str, Any]) -> dict[str, Any]:
        return {
            str(number): {"name": name, "code": code["code"]}
            for number, (name, code) in enumerate(
                keypads.names.get(entity_id, {}).items()
            )
        }

    hass.services.async_register(
        "schlage",
        "add_code",
        _handler(keypads, "schlage", add),
        _target(
            {
                vol.Required("name"): cv.string,
                vol.Required("code"): vol.Match(r"^\d{4,8}$"),
                vol.Optional("notify_on_use", default=True): cv.boolean,
                vol.Optional("start_datetime"): cv.datetime,
                vol.Optional("end_datetime"): cv.datetime,
            }
        ),
    )
    hass.services.async_register(
        "schlage",
        "delete_code",
        _handler(keypads, "schlage", delete),
        _target({vol.Required("name"): cv.string}),
    )
    hass.services.async_register(
        "schlage",
        "get_codes",
        _handler(keypads, "schlage", get),
        _target({}),
        supports_response=SupportsResponse.ONLY,
    )


def add_ha_lock(
    hass: HomeAssistant,
    integration: str,
    object_id: str,
    *,
    name: str | None = None,
    state: str = "locked",
) -> er.RegistryEntry:
    """Register a lock entity of another integration, on a device, with a state."""
    source = MockConfigEntry(domain=integration, title=integration)
    source.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=source.entry_id,
        identifiers={(integration, object_id)},
        manufacturer="Acme",
        model=f"{integration} keypad",
        name=name or object_id.replace("_", " ").title(),
    )
    entry = er.async_get(hass).async_get_or_create(
        "lock",
        integration,
        f"{integration}-{object_id}",
        suggested_object_id=object_id,
        config_entry=source,
        device_id=device.id,
    )
    hass.states.async_set(
        entry.entity_id,
        state,
        {"friendly_name": name or object_id.replace("_", " ").title()},
    )
    return entry


def stub_integrations(
    hass: HomeAssistant, *, matter: bool = True, schlage: bool = True, read: bool = True
) -> FakeKeypads:
    """Register every supported integration's code actions; return their locks' table."""
    keypads = FakeKeypads()
    register_zwave_js(hass, keypads, read=read)
    register_zha(hass, keypads)
    if matter:
        register_matter(hass, keypads)
    if schlage:
        register_schlage(hass, keypads)
    return keypads


def ha_account_entry(
    locks: list[er.RegistryEntry],
    *,
    first_slot: int = 10,
    slot_count: int = 10,
    code_length: int = 6,
) -> MockConfigEntry:
    """A "Locks in Home Assistant" account managing these lock entities."""
    return MockConfigEntry(
        domain="lockbooking",
        title="Locks in Home Assistant",
        unique_id="home_assistant",
        data={"kind": "home_assistant"},
        options={
            "locks": {
                lock.id: {
                    "first_slot": first_slot,
                    "slot_count": slot_count,
                    "code_length": code_length,
                }
                for lock in locks
            }
        },
    )


async def at(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: str) -> None:
    """Move the clock to `moment` and let every timer due by then run to its end."""
    freezer.move_to(moment)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
