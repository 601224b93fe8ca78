"""The demo account: four simulated locks that follow the real vendors' rules.

It needs no hardware and no network, so a newcomer (and the test suite) can see every
part of lockbooking working. Each lock mirrors one real platform: an igloohome-like
padlock with offline algoPINs, a Nuki-like smart lock with a keypad, a UniFi
Access-like door that only unlocks and takes visitor PINs, and a Z-Wave-like keypad
that keeps codes in numbered slots without a time window (lockbooking writes a stay's
code into a slot when its window opens and clears it when it closes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
import hashlib
from itertools import count
from typing import Any, ClassVar

import voluptuous as vol

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import TextSelector
from homeassistant.util import dt as dt_util, slugify

from ...field_checks import is_name
from ...models import (
    Capabilities,
    CodeKind,
    CodeRules,
    CodeUse,
    IssuedCode,
    Lock,
    LockState,
    LockStatus,
    PlannedCode,
    SlotRange,
    Window,
)
from ...planner import code_problem, generate_code
from ..base import (
    AccountIdentity,
    FoundCode,
    LockVendor,
    VendorInputError,
    VendorRejectedError,
    VendorUnsupportedError,
)
from ..igloohome.rules import IGLOOHOME_DAILY, IGLOOHOME_HOURLY
from ..nuki_common import NUKI_KEYPAD

MANUFACTURER = "LockBooking demo"
DEFAULT_NAME = "Demo"
DRAIN_PER_DAY = 0.25
RELOCK_AFTER = timedelta(seconds=5)
# When the simulated guest types the code, after the code's window opens.
GUEST_ARRIVES_AFTER = timedelta(minutes=42)
VISITOR_PIN_RULES = CodeRules(kind=CodeKind.VISITOR_PIN, lengths=(6,), chosen_code=True)
# A Z-Wave keypad lock's user codes: chosen digits in numbered slots, no time window.
KEYPAD = "back_door_keypad"
KEYPAD_RULES = CodeRules(kind=CodeKind.KEYPAD, lengths=(6,), chosen_code=True)
KEYPAD_SLOTS = SlotRange(10, 10)


class DemoVendor(LockVendor):
    """A complete in-process vendor."""

    manufacturer: ClassVar[str] = MANUFACTURER
    poll_interval: ClassVar[timedelta] = timedelta(seconds=30)
    updates_window_in_place: ClassVar[bool] = True
    config_schema: ClassVar[vol.Schema] = vol.Schema(
        {vol.Optional(CONF_NAME): TextSelector()}
    )

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        """Start with the locks locked and their batteries part-used."""
        super().__init__(hass, data)
        self._started = dt_util.utcnow()
        self._state = {
            "front_door": LockState.LOCKED,
            "garden_gate": LockState.LOCKED,
            KEYPAD: LockState.LOCKED,
        }
        self._relock_at: datetime | None = None
        self._codes: dict[str, IssuedCode] = {}
        self._names: dict[str, str] = {}
        # The keypad's code slots, by lock id and slot number (a restart empties them).
        self._slots: dict[tuple[str, int], str] = {}
        # Never reused, as a vendor's ids are not: a revoked code's id is gone for good.
        self._vendor_ids = count(1)

    async def async_identify(self) -> AccountIdentity:
        """Identify a demo account by its name."""
        name = " ".join(str(self.data.get(CONF_NAME, "")).split()) or DEFAULT_NAME
        if not is_name(name):
            raise VendorInputError(CONF_NAME, "invalid_name")
        return AccountIdentity(unique_id=f"demo_{slugify(name)}", title=name)

    async def async_get_locks(self) -> list[Lock]:
        """List the four demo locks with their current, slowly draining, status."""
        now = dt_util.utcnow()
        if self._relock_at is not None and now >= self._relock_at:
            self._state["garden_gate"] = LockState.LOCKED
            self._relock_at = None
        front_battery = self._battery(87, now)
        return [
            Lock(
                id="front_door",
                name="Front door",
                manufacturer=MANUFACTURER,
                model="Smart lock with keypad (Nuki-like)",
                capabilities=Capabilities(
                    remote_lock=True,
                    remote_unlock=True,
                    open=True,
                    reports_state=True,
                    battery_level=True,
                    battery_critical=True,
                    reports_code_use=True,
                ),
                code_rules=(NUKI_KEYPAD,),
                status=LockStatus(
                    state=self._state["front_door"],
                    battery_level=front_battery,
                    battery_critical=front_battery <= 20,
                ),
                sw_version="4.2.1",
            ),
            Lock(
                id="cabin",
                name="Cabin",
                manufacturer=MANUFACTURER,
                model="Offline padlock with algoPINs (igloohome-like)",
                capabilities=Capabilities(battery_level=True),
                code_rules=(IGLOOHOME_HOURLY, IGLOOHOME_DAILY),
                status=LockStatus(battery_level=self._battery(64, now)),
            ),
            Lock(
                id="garden_gate",
                name="Garden gate",
                manufacturer=MANUFACTURER,
                model="Door hub with visitor PINs (UniFi Access-like)",
                capabilities=Capabilities(
                    remote_unlock=True, reports_state=True, reports_code_use=True
                ),
                code_rules=(VISITOR_PIN_RULES,),
                status=LockStatus(state=self._state["garden_gate"]),
            ),
            self._keypad(now),
        ]

    def _keypad(self, now: datetime) -> Lock:
        """Describe the Z-Wave-like keypad: codes in slots 10-19, no time windows."""
        battery = self._battery(72, now)
        return Lock(
            id=KEYPAD,
            name="Back door keypad",
            manufacturer=MANUFACTURER,
            model="Keypad deadbolt with code slots (Z-Wave-like)",
            capabilities=Capabilities(
                remote_lock=True,
                remote_unlock=True,
                reports_state=True,
                battery_level=True,
                battery_critical=True,
            ),
            code_rules=(KEYPAD_RULES,),
            status=LockStatus(
                state=self._state[KEYPAD],
                battery_level=battery,
                battery_critical=battery <= 20,
            ),
            slots=KEYPAD_SLOTS,
        )

    def _battery(self, start: int, now: datetime) -> int:
        days = (now - self._started) / timedelta(days=1)
        return max(5, round(start - days * DRAIN_PER_DAY))

    async def async_lock(self, lock: Lock) -> None:
        """Lock the front door or the keypad (the demo locks that lock remotely)."""
        self._state[lock.id] = LockState.LOCKED

    async def async_unlock(self, lock: Lock) -> None:
        """Unlock; the garden gate locks itself again a few seconds later."""
        self._state[lock.id] = LockState.UNLOCKED
        if lock.id == "garden_gate":
            self._relock_at = dt_util.utcnow() + RELOCK_AFTER

    async def async_open(self, lock: Lock) -> None:
        """Unlatch the front door; the latch springs back, leaving it unlocked."""
        self._state[lock.id] = LockState.UNLOCKED

    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        """Issue a code the way the real vendor would.

        The keypad keeps no windows: its codes are written to slots, never issued.
        """
        if lock.slots is not None:
            raise VendorUnsupportedError("slots")
        taken = {c.code for c in self._codes.values() if c.lock_id == lock.id}
        if plan.kind in (CodeKind.ALGOPIN_HOURLY, CodeKind.ALGOPIN_DAILY):
            code = _algopin(lock, plan)
        elif code is None:
            code = generate_code(plan.rules, taken)
        elif (problem := code_problem(plan.rules, code)) is not None:
            raise VendorRejectedError(problem)
        elif code in taken:
            raise VendorRejectedError("The code is already in use on this lock.")
        vendor_id = f"demo-{next(self._vendor_ids)}"
        issued = IssuedCode(
            lock_id=lock.id,
            kind=plan.kind,
            code=code,
            window=plan.window,
            vendor_id=vendor_id,
            revocable=plan.rules.revocable,
            notes=plan.notes,
            use_by=plan.rules.use_by(plan.window.start),
        )
        self._codes[vendor_id] = issued
        self._names[vendor_id] = name
        return issued

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        """Remove a code; algoPINs, like the real ones, cannot be taken back."""
        if not issued.revocable:
            raise VendorUnsupportedError("revoke")
        if issued.vendor_id is not None:
            self._codes.pop(issued.vendor_id, None)

    async def async_update_code_window(
        self, lock: Lock, issued: IssuedCode, plan: PlannedCode
    ) -> IssuedCode:
        """Move a code's window, keeping its digits; algoPINs cannot be moved."""
        if not issued.revocable or plan.kind is not issued.kind:
            raise VendorUnsupportedError("update")
        if issued.vendor_id not in self._codes:
            raise VendorRejectedError("The code is no longer on the lock.")
        moved = replace(
            self._codes[issued.vendor_id], window=plan.window, notes=plan.notes
        )
        self._codes[issued.vendor_id] = moved
        return moved

    async def async_find_codes(
        self, lock: Lock, name: str, window: Window, kind: CodeKind
    ) -> list[FoundCode] | None:
        """Look through this run's codes (a restart forgets them, like a reset lock)."""
        return [
            FoundCode(vendor_id=vendor_id, code=issued.code)
            for vendor_id, issued in self._codes.items()
            if issued.lock_id == lock.id
            and issued.kind is kind
            and issued.window == window
            and self._names.get(vendor_id) == name
        ]

    async def async_write_slot(self, lock: Lock, slot: int, code: str) -> None:
        """Put a code into one of the keypad's slots, as a Z-Wave lock's user code."""
        _check_slot(lock, slot)
        if (problem := code_problem(KEYPAD_RULES, code)) is not None:
            raise VendorRejectedError(problem)
        self._slots[lock.id, slot] = code

    async def async_clear_slot(self, lock: Lock, slot: int) -> None:
        """Empty one of the keypad's slots (an empty slot stays empty)."""
        _check_slot(lock, slot)
        self._slots.pop((lock.id, slot), None)

    async def async_slot_holds(
        self, lock: Lock, slot: int, code: str | None
    ) -> bool | None:
        """Read a slot back: a Z-Wave lock reports each slot's user code."""
        _check_slot(lock, slot)
        return self._slots.get((lock.id, slot)) == code

    async def async_get_code_uses(self, lock: Lock, since: datetime) -> list[CodeUse]:
        """Simulate each guest typing their code 42 minutes into its window.

        The cabin, like an offline igloohome padlock, reports nothing.
        """
        now = dt_util.utcnow()
        uses = []
        for vendor_id, issued in self._codes.items():
            at = issued.window.start + GUEST_ARRIVES_AFTER
            if issued.lock_id == lock.id and since <= at <= now:
                uses.append(CodeUse(at=at, vendor_id=vendor_id))
        return uses


def _check_slot(lock: Lock, slot: int) -> None:
    """Refuse a slot of a lock without slots, or one outside its managed range."""
    if lock.slots is None or slot not in lock.slots:
        raise VendorRejectedError(f"Slot {slot} is not one of this lock's code slots.")


def _algopin(lock: Lock, plan: PlannedCode) -> str:
    """Compute an algoPIN as igloohome does: the same window and variance, the same PIN.

    Another stay's PIN for the window is skipped by the next variance, as with igloohome
    (whose limit of three variances the demo does not keep).
    """
    window = f"{plan.window.start.isoformat()}|{plan.window.end.isoformat()}"
    for variance in count(1):
        seed = f"{lock.id}|{plan.kind}|{window}|{variance}"
        code = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**9).zfill(9)
        if code not in plan.taken:
            return code
    raise AssertionError  # pragma: no cover - count() never ends
