"""The configured lock entities as lockbooking sees them: where they are now, and their rules.

An account keeps its locks by entity registry id, which survives a rename; the entity
id and the integration behind it are looked up again each time they are needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import ATTR_FRIENDLY_NAME, STATE_UNAVAILABLE
from homeassistant.helpers import device_registry as dr, entity_registry as er

from ...const import (
    CONF_CODE_LENGTH,
    CONF_FIRST_SLOT,
    CONF_SLOT_COUNT,
    DEFAULT_CODE_LENGTH,
)
from ...models import Capabilities, CodeKind, CodeRules, Lock, LockStatus, SlotRange
from .actions import ACTIONS, Integration

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

MANUFACTURER: Final = "Home Assistant"
# Integrations whose locks hold codes in numbered slots, with no window of their own.
SLOT_INTEGRATIONS: Final = frozenset(
    {Integration.ZWAVE_JS, Integration.ZHA, Integration.MATTER}
)
# What a Schlage code may be (its add_code action takes 4 to 8 digits).
SCHLAGE_LENGTHS: Final = (4, 8)
DEFAULT_FIRST_SLOT: Final = 10
DEFAULT_SLOT_COUNT: Final = 10


@dataclass(frozen=True, slots=True)
class LockTarget:
    """A configured lock as Home Assistant has it now.

    `entity_id` is None when the entity is gone from the registry; `integration` is
    None when it is gone or comes from an integration lockbooking cannot put codes on.
    """

    registry_id: str
    entity_id: str | None
    platform: str | None
    integration: Integration | None


def resolve(hass: HomeAssistant, registry_id: str) -> LockTarget:
    """Find where a configured lock entity is now, by its registry id."""
    entry = er.async_get(hass).async_get(registry_id)
    if entry is None:
        return LockTarget(registry_id, None, None, None)
    try:
        integration: Integration | None = Integration(entry.platform)
    except ValueError:
        integration = None
    return LockTarget(registry_id, entry.entity_id, entry.platform, integration)


def actions_ready(hass: HomeAssistant, integration: Integration) -> bool:
    """Tell whether an integration's code actions are registered (it is loaded, new enough)."""
    return hass.services.has_service(integration.value, ACTIONS[integration].set_action)


def code_rules(
    integration: Integration | None, config: Mapping[str, Any]
) -> tuple[CodeRules, ...]:
    """Say what codes a configured lock takes: chosen digits of the configured length."""
    length = int(config.get(CONF_CODE_LENGTH, DEFAULT_CODE_LENGTH))
    if integration is Integration.SCHLAGE:
        length = min(max(length, SCHLAGE_LENGTHS[0]), SCHLAGE_LENGTHS[1])
    if length < 1:
        raise ValueError(f"code length must be at least 1, not {length}")
    return (CodeRules(kind=CodeKind.KEYPAD, lengths=(length,), chosen_code=True),)


def slot_range(
    integration: Integration | None, config: Mapping[str, Any]
) -> SlotRange | None:
    """Give the slots lockbooking manages on a lock (None: it keeps windows itself)."""
    if integration is Integration.SCHLAGE:
        return None
    return SlotRange(
        int(config.get(CONF_FIRST_SLOT, DEFAULT_FIRST_SLOT)),
        int(config.get(CONF_SLOT_COUNT, DEFAULT_SLOT_COUNT)),
    )


def build_lock(
    hass: HomeAssistant, target: LockTarget, config: Mapping[str, Any]
) -> Lock:
    """Describe one configured lock; raises ValueError for unusable settings.

    A lock whose entity is gone, unavailable, or whose integration's actions are not
    there (not loaded, or a release without them) is offline but keeps its rules: a
    code for it fails as unavailable, and works again once the lock is back.
    """
    rules = code_rules(target.integration, config)
    slots = slot_range(target.integration, config)
    if target.entity_id is None:
        return Lock(
            id=target.registry_id,
            name=target.registry_id,
            manufacturer=MANUFACTURER,
            model="Lock entity (removed)",
            capabilities=Capabilities(),
            code_rules=rules,
            status=LockStatus(online=False),
            slots=slots,
        )
    registry_entry = er.async_get(hass).async_get(target.registry_id)
    device = None
    if registry_entry is not None and registry_entry.device_id is not None:
        device = dr.async_get(hass).async_get(registry_entry.device_id)
    state = hass.states.get(target.entity_id)
    name = (
        (state.attributes.get(ATTR_FRIENDLY_NAME) if state is not None else None)
        or (
            registry_entry.name or registry_entry.original_name
            if registry_entry
            else None
        )
        or target.entity_id
    )
    online = (
        state is not None
        and state.state != STATE_UNAVAILABLE
        and target.integration is not None
        and actions_ready(hass, target.integration)
    )
    return Lock(
        id=target.registry_id,
        name=str(name),
        manufacturer=(device.manufacturer if device else None) or MANUFACTURER,
        model=(device.model if device else None) or f"{target.platform} lock",
        capabilities=Capabilities(),
        code_rules=rules,
        status=LockStatus(online=online),
        sw_version=device.sw_version if device else None,
        slots=slots,
        entity_id=target.entity_id,
    )
