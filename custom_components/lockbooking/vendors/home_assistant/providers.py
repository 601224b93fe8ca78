"""Each integration's code calls: slots for Z-Wave JS, ZHA and Matter, names for Schlage.

Service data comes from the action table (`actions.py`); only public actions are
called. Matter's clear takes the one credential index lockbooking wrote: the lock drops
the user with its last credential, and no user or "clear all" index is ever sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from homeassistant.util import dt as dt_util

from ...const import LOGGER
from ...models import Window
from ..base import VendorError
from .actions import ACTIONS, SCHLAGE, Integration
from .calls import async_call_action

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant


async def async_write_slot(
    hass: HomeAssistant, integration: Integration, entity_id: str, slot: int, code: str
) -> None:
    """Put `code` into `slot` of a slot lock."""
    actions = ACTIONS[integration]
    await async_call_action(
        hass,
        integration.value,
        actions.set_action,
        entity_id,
        actions.set_data(code, slot=slot),
        response=actions.set_returns_response,
        secret=code,
    )


async def async_clear_slot(
    hass: HomeAssistant, integration: Integration, entity_id: str, slot: int
) -> None:
    """Empty `slot` of a slot lock."""
    actions = ACTIONS[integration]
    await async_call_action(
        hass,
        integration.value,
        actions.clear_action,
        entity_id,
        actions.clear_data(slot=slot),
    )


def _zwave_holds(answer: Any, slot: int, code: str | None) -> bool | None:
    """Read Z-Wave JS's `{"<slot>": {"usercode": …, "in_use": …}}`."""
    held = answer.get(str(slot)) if isinstance(answer, Mapping) else None
    if not isinstance(held, Mapping) or not isinstance(
        in_use := held.get("in_use"), bool
    ):
        return None
    if code is None:
        return not in_use
    return in_use and str(held.get("usercode") or "") == code


def _matter_holds(answer: Any, slot: int, code: str | None) -> bool | None:
    """Read Matter's credential status: PINs are write-only, so only whether one is there."""
    exists = answer.get("credential_exists") if isinstance(answer, Mapping) else None
    if not isinstance(exists, bool):
        return None
    return exists if code is not None else not exists


READERS: Final[Mapping[Integration, Callable[[Any, int, str | None], bool | None]]] = {
    Integration.ZWAVE_JS: _zwave_holds,
    Integration.MATTER: _matter_holds,
}


async def async_slot_holds(
    hass: HomeAssistant,
    integration: Integration,
    entity_id: str,
    slot: int,
    code: str | None,
) -> bool | None:
    """Tell whether `slot` holds `code` (None: is empty); None when it cannot be read."""
    actions = ACTIONS[integration]
    reader = READERS.get(integration)
    if (
        reader is None
        or actions.read_action is None
        or not hass.services.has_service(integration.value, actions.read_action)
    ):
        return None
    try:
        answer = await async_call_action(
            hass,
            integration.value,
            actions.read_action,
            entity_id,
            actions.read_data(slot),
            response=True,
            secret=code,
        )
    except VendorError as err:
        LOGGER.debug("Could not read slot %s of %s back: %s", slot, entity_id, err)
        return None
    return reader(answer, slot, code)


async def async_add_schlage_code(
    hass: HomeAssistant, entity_id: str, name: str, code: str, window: Window
) -> None:
    """Add a Schlage code under `name`, working from the window's start to its end."""
    await async_call_action(
        hass,
        Integration.SCHLAGE.value,
        SCHLAGE.set_action,
        entity_id,
        SCHLAGE.set_data(
            code,
            name=name,
            starts=dt_util.as_local(window.start),
            ends=dt_util.as_local(window.end),
        ),
        secret=code,
    )


async def async_delete_schlage_code(
    hass: HomeAssistant, entity_id: str, name: str
) -> None:
    """Delete the Schlage code named `name` (one already gone is fine)."""
    await async_call_action(
        hass,
        Integration.SCHLAGE.value,
        SCHLAGE.clear_action,
        entity_id,
        SCHLAGE.clear_data(name=name),
    )


async def async_schlage_codes(hass: HomeAssistant, entity_id: str) -> dict[str, str]:
    """Read the Schlage lock's codes now, as name → digits."""
    assert SCHLAGE.read_action is not None
    answer = await async_call_action(
        hass,
        Integration.SCHLAGE.value,
        SCHLAGE.read_action,
        entity_id,
        {},
        response=True,
    )
    codes: dict[str, str] = {}
    for code in (answer or {}).values() if isinstance(answer, Mapping) else ():
        if isinstance(code, Mapping) and isinstance(code.get("name"), str):
            codes[code["name"]] = str(code.get("code") or "")
    return codes
