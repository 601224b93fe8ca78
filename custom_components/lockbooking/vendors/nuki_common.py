"""What the Nuki Web and Nuki Bluetooth vendors share: keypad rules, names, states.

A keypad code follows the same rules and carries the same `LB <guest>` name whichever
way it reaches the lock, so a code is found again by name and window after an
interrupted issue. Nothing here talks to a lock: the Bluetooth vendor imports this
without Nuki Web's HTTP client, and the Web vendor without the Bluetooth stack.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from ..models import CodeKind, CodeRules, LockState

MANUFACTURER: Final = "Nuki"

# Nuki's keypad rules: 6 digits of 1-9, never starting with "12", unique per lock.
NUKI_KEYPAD = CodeRules(
    kind=CodeKind.KEYPAD,
    lengths=(6,),
    alphabet="123456789",
    forbidden_prefixes=("12",),
    align=timedelta(minutes=1),
    chosen_code=True,
)

CODE_PROBLEMS: Final[dict[str, str]] = {
    "code_not_choosable": "This lock does not take chosen codes.",
    "code_length": "A Nuki keypad code has exactly 6 digits.",
    "code_digits": "A Nuki keypad code uses only the digits 1 to 9.",
    "code_prefix": 'A Nuki keypad code must not start with "12".',
}

AUTH_NAME_PREFIX: Final = "LB"
AUTH_NAME_MAX: Final = 20

SMART_LOCK_STATES: Final[dict[int, LockState]] = {
    1: LockState.LOCKED,
    2: LockState.UNLOCKING,
    3: LockState.UNLOCKED,
    4: LockState.LOCKING,
    # Unlatched: the latch has sprung back, the bolt is open.
    5: LockState.UNLOCKED,
    6: LockState.UNLOCKED,
    7: LockState.OPENING,
    254: LockState.JAMMED,
}

# Door sensor states, alike in Nuki Web's `state.doorState` and the Bluetooth API's
# keyturner states: 0 unavailable and 1 deactivated mean no sensor to show.
DOOR_SENSOR_OFF = frozenset({0, 1})
DOOR_CLOSED = 2
DOOR_OPENED = 3


def door_sensor(state: Any) -> tuple[bool, bool | None]:
    """Tell whether a lock has a door sensor in use, and whether the door is open."""
    if (
        not isinstance(state, int)
        or isinstance(state, bool)
        or state in DOOR_SENSOR_OFF
    ):
        return False, None
    return True, {DOOR_CLOSED: False, DOOR_OPENED: True}.get(state)


def authorization_name(name: str) -> str:
    """Make a recognisable authorization name that fits a keypad code (20 characters)."""
    words = " ".join(name.split())
    return f"{AUTH_NAME_PREFIX} {words}"[:AUTH_NAME_MAX].rstrip()
