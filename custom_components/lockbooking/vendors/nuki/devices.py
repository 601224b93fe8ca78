"""Nuki Web's devices read as locks: type, model, capabilities, state, battery, firmware."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from ...models import Capabilities, Lock, LockState, LockStatus
from ..nuki_common import MANUFACTURER, NUKI_KEYPAD, SMART_LOCK_STATES, door_sensor

TYPE_BOX: Final = 1
TYPE_OPENER: Final = 2
MODELS: Final[dict[int, str]] = {
    0: "Smart Lock 1.0/2.0",
    1: "Box",
    2: "Opener",
    3: "Smart Door",
    4: "Smart Lock 3.0/4.0",
    5: "Smart Lock 5",
}
SMART_LOCK_TYPES: Final = frozenset({0, 3, 4, 5})
# serverState: 0 ok, 1 unregistered, 2 auth uuid invalid, 3 auth invalid, 4 offline.
SERVER_STATE_OK: Final = 0

# The Opener: 1 online (ring to open off), 3 ring to open active, 5 open, 7 opening.
OPENER_STATES: Final[dict[int, LockState]] = {
    1: LockState.LOCKED,
    3: LockState.UNLOCKED,
    5: LockState.OPEN,
    7: LockState.OPENING,
}


def _dict(value: Any) -> dict[str, Any]:
    """Read a part of a payload that should be an object; anything else is empty."""
    return value if isinstance(value, dict) else {}


def is_opener(lock: Lock) -> bool:
    """Tell whether a lock is a Nuki Opener."""
    # The model is set from Nuki's device type by describe_lock, so it tells the type back.
    return lock.model == MODELS[TYPE_OPENER]


def describe_lock(device: dict[str, Any]) -> Lock:
    """Describe a Nuki device as a lock."""
    raw_kind = device.get("type")
    # Anything but a number is a type this code does not know (and may not even hash).
    kind = raw_kind if isinstance(raw_kind, int) else None
    config = _dict(device.get("config"))
    state = _dict(device.get("state"))
    battery_level = state.get("batteryCharge")
    if not isinstance(battery_level, int):
        battery_level = None
    battery_critical = state.get("batteryCritical")
    if not isinstance(battery_critical, bool):
        battery_critical = None
    keypad_paired = bool(config.get("keypadPaired") or config.get("keypad2Paired"))
    keypad_critical = state.get("keypadBatteryCritical")
    if not keypad_paired or not isinstance(keypad_critical, bool):
        keypad_critical = None
    capabilities, lock_state = _control(kind, state.get("state"))
    has_door_sensor, door_open = door_sensor(state.get("doorState"))
    return Lock(
        id=str(device["smartlockId"]),
        name=str(device.get("name") or device["smartlockId"]),
        manufacturer=MANUFACTURER,
        model=(MODELS.get(kind) if kind is not None else None)
        or f"Nuki device (type {raw_kind})",
        capabilities=replace(
            capabilities,
            battery_level=battery_level is not None,
            battery_critical=battery_critical is not None,
            keypad_battery_critical=keypad_critical is not None,
            door_sensor=has_door_sensor,
            # The log names the keypad code behind an opening; the meaning of its
            # actions is known for smart locks and Openers only.
            reports_code_use=keypad_paired
            and (kind in SMART_LOCK_TYPES or kind == TYPE_OPENER),
        ),
        code_rules=(NUKI_KEYPAD,) if keypad_paired else (),
        status=LockStatus(
            state=lock_state,
            battery_level=battery_level,
            battery_critical=battery_critical,
            keypad_battery_critical=keypad_critical,
            door_open=door_open,
            online=device.get("serverState", SERVER_STATE_OK) == SERVER_STATE_OK,
        ),
        sw_version=_firmware(device.get("firmwareVersion")),
    )


def _control(kind: int | None, state: Any) -> tuple[Capabilities, LockState | None]:
    """Say what a type of device can do remotely, and read its state the way that type means it."""
    if kind in SMART_LOCK_TYPES:
        return Capabilities(
            remote_lock=True, remote_unlock=True, open=True, reports_state=True
        ), SMART_LOCK_STATES.get(state)
    if kind == TYPE_OPENER:
        # No "lock": switching ring to open off would not lock anything.
        return Capabilities(
            remote_unlock=True, open=True, reports_state=True
        ), OPENER_STATES.get(state)
    if kind == TYPE_BOX:
        return Capabilities(remote_unlock=True), None
    # A type this code does not know yet: shown, but not driven blindly.
    return Capabilities(), None


def _firmware(version: Any) -> str | None:
    """Nuki packs a firmware version into one integer, a byte per part (2.7.14 is 0x02070E)."""
    if isinstance(version, int) and 0 < version <= 0xFFFFFF:
        return f"{version >> 16}.{(version >> 8) & 0xFF}.{version & 0xFF}"
    return None
