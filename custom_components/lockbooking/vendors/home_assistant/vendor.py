"""Locks in Home Assistant: lock entities of Z-Wave JS, ZHA, Matter and Schlage.

Lockbooking puts codes on them through those integrations' public actions and creates
no entity of its own for them. Z-Wave JS, ZHA and Matter locks hold codes in numbered
slots without a window: lockbooking writes a code into one of the slots it manages when
the code's window opens and clears it when the window closes (activation.py), through
`async_write_slot` / `async_clear_slot`. A Schlage lock keeps each code's window itself:
its codes are issued and revoked by name, like a cloud vendor's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

import voluptuous as vol

from homeassistant.util import dt as dt_util

from ...const import CONF_LOCK_ENTITIES, LOGGER
from ...models import CodeKind, IssuedCode, Lock, PlannedCode, Window
from ...planner import code_problem, generate_code
from ..base import (
    AccountIdentity,
    FoundCode,
    LockVendor,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from . import providers
from .actions import Integration
from .locks import MANUFACTURER, SLOT_INTEGRATIONS, build_lock, resolve

UNIQUE_ID: Final = "home_assistant"
TITLE: Final = "Locks in Home Assistant"
# Matter's index that clears every credential of a lock: never a slot.
MATTER_CLEAR_ALL_INDEX: Final = 0xFFFE
# How much of a guest's name a Schlage code's name keeps, before the window.
SCHLAGE_NAME_LENGTH: Final = 32


def schlage_code_name(name: str, window: Window) -> str:
    """Name a Schlage code: the guest's name and its window, unique on the lock.

    Schlage refuses a second code of the same name; the window (start and end, on
    Home Assistant's clock) tells one stay's code from another's.
    """
    base = " ".join(name.split())[:SCHLAGE_NAME_LENGTH].strip() or "LockBooking"
    start = dt_util.as_local(window.start)
    end = dt_util.as_local(window.end)
    return f"{base} {start:%m/%d %H:%M}-{end:%m/%d %H:%M}"


def _same_name(first: str, second: str) -> bool:
    """Compare code names as Schlage does (case and outer spaces ignored)."""
    return first.strip().lower() == second.strip().lower()


class HomeAssistantLocksVendor(LockVendor):
    """The lock entities an account names, driven through their integrations' actions."""

    manufacturer: ClassVar[str] = MANUFACTURER
    config_schema: ClassVar[vol.Schema] = vol.Schema({})
    secret_fields: ClassVar[tuple[str, ...]] = ()

    def _configs(self) -> Mapping[str, Mapping[str, Any]]:
        """Each configured lock's settings, by entity registry id."""
        return self.data.get(CONF_LOCK_ENTITIES) or {}

    async def async_identify(self) -> AccountIdentity:
        """There is one such account: Home Assistant's own locks."""
        return AccountIdentity(unique_id=UNIQUE_ID, title=TITLE)

    async def async_get_locks(self) -> list[Lock]:
        """Describe each configured lock; one with unusable settings is left out."""
        locks: list[Lock] = []
        for registry_id, config in self._configs().items():
            target = resolve(self.hass, registry_id)
            try:
                locks.append(build_lock(self.hass, target, config))
            except (TypeError, ValueError) as err:
                LOGGER.error(
                    "Lock %s is left out, its settings are unusable: %s",
                    target.entity_id or registry_id,
                    err,
                )
        return locks

    def _target(self, lock: Lock) -> tuple[Integration, str]:
        """Find the lock's integration and current entity id, or say why it cannot be used."""
        target = resolve(self.hass, lock.id)
        if target.entity_id is None:
            raise VendorUnavailableError(
                f"The lock entity of {lock.name} is no longer in Home Assistant."
            )
        if target.integration is None:
            raise VendorUnsupportedError("codes")
        return target.integration, target.entity_id

    def _slot_target(self, lock: Lock, slot: int) -> tuple[Integration, str]:
        """Check that `slot` is one lockbooking manages, then find the lock."""
        if lock.slots is None:
            raise VendorUnsupportedError("slots")
        if slot not in lock.slots:
            raise VendorRejectedError(
                f"Slot {slot} of {lock.name} is not one lockbooking manages."
            )
        integration, entity_id = self._target(lock)
        if integration not in SLOT_INTEGRATIONS:
            raise VendorUnsupportedError("slots")
        if integration is Integration.MATTER and slot >= MATTER_CLEAR_ALL_INDEX:
            raise VendorRejectedError(f"Slot {slot} is not a Matter credential index.")
        return integration, entity_id

    async def async_write_slot(self, lock: Lock, slot: int, code: str) -> None:
        """Put `code` into a managed slot of a Z-Wave JS, ZHA or Matter lock."""
        integration, entity_id = self._slot_target(lock, slot)
        await providers.async_write_slot(self.hass, integration, entity_id, slot, code)

    async def async_clear_slot(self, lock: Lock, slot: int) -> None:
        """Empty a managed slot of a Z-Wave JS, ZHA or Matter lock."""
        integration, entity_id = self._slot_target(lock, slot)
        await providers.async_clear_slot(self.hass, integration, entity_id, slot)

    async def async_slot_holds(
        self, lock: Lock, slot: int, code: str | None
    ) -> bool | None:
        """Read a slot back where the integration allows (not ZHA, nor Z-Wave JS 2025.x).

        None, as for a lock that cannot be read, when the entity is gone.
        """
        try:
            integration, entity_id = self._slot_target(lock, slot)
        except VendorUnavailableError as err:
            LOGGER.debug("Could not read slot %s of %s back: %s", slot, lock.name, err)
            return None
        return await providers.async_slot_holds(
            self.hass, integration, entity_id, slot, code
        )

    def _schlage_target(self, lock: Lock) -> str:
        """Find a Schlage lock's entity id; slot locks take codes through their slots."""
        integration, entity_id = self._target(lock)
        if integration is not Integration.SCHLAGE:
            raise VendorUnsupportedError("slots")
        return entity_id

    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        """Add a Schlage code that the lock honours from the window's start to its end."""
        entity_id = self._schlage_target(lock)
        chosen_here = code is None
        if code is None:
            code = generate_code(plan.rules, plan.taken)
        elif (problem := code_problem(plan.rules, code)) is not None:
            raise VendorRejectedError(problem)
        vendor_id = schlage_code_name(name, plan.window)
        try:
            await providers.async_add_schlage_code(
                self.hass, entity_id, vendor_id, code, plan.window
            )
        except VendorUnavailableError as err:
            if chosen_here:
                err.sent_code = code
            raise
        return IssuedCode(
            lock_id=lock.id,
            kind=plan.kind,
            code=code,
            window=plan.window,
            vendor_id=vendor_id,
            revocable=plan.rules.revocable,
            notes=plan.notes,
        )

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        """Delete a Schlage code by the name it was given."""
        entity_id = self._schlage_target(lock)
        if issued.vendor_id is None:
            raise VendorRejectedError("The code has no Schlage name to delete it by.")
        await providers.async_delete_schlage_code(
            self.hass, entity_id, issued.vendor_id
        )

    async def async_find_codes(
        self, lock: Lock, name: str, window: Window, kind: CodeKind
    ) -> list[FoundCode] | None:
        """Look on a Schlage lock for the code named after `name` and `window`."""
        if lock.slots is not None:
            return None
        entity_id = self._schlage_target(lock)
        wanted = schlage_code_name(name, window)
        codes = await providers.async_schlage_codes(self.hass, entity_id)
        return [
            FoundCode(vendor_id=found, code=code or None)
            for found, code in codes.items()
            if _same_name(found, wanted)
        ]
