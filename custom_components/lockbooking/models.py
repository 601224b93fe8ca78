"""Plain data shared by the vendors, the planner, the coordinator and the entities.

Nothing here imports Home Assistant, so the planner and the vendors' rules can be
tested (and reasoned about) as pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class LockState(StrEnum):
    """What a lock reports about its bolt."""

    LOCKED = "locked"
    UNLOCKED = "unlocked"
    LOCKING = "locking"
    UNLOCKING = "unlocking"
    OPEN = "open"
    OPENING = "opening"
    JAMMED = "jammed"


class CodeKind(StrEnum):
    """The kinds of access code a lock can take."""

    ALGOPIN_HOURLY = "algopin_hourly"
    ALGOPIN_DAILY = "algopin_daily"
    BRIDGE_PIN = "bridge_pin"
    KEYPAD = "keypad"
    VISITOR_PIN = "visitor_pin"


@dataclass(frozen=True, slots=True)
class CodeRules:
    """What a lock accepts for one kind of code: the planner's only input about a lock.

    `span_unit` is what a window's length is rounded up to (an hour for hourly algoPINs,
    a day for daily ones, so that a daily PIN ends at its start's time of day);
    `align` is what the start is floored to, on the lock's local clock.
    `max_start_before_issue` is how long before the moment of issue a window may start:
    an earlier start is moved to the current aligned time (an algoPIN that must be used
    within 24 h of its start would otherwise be dead on arrival).
    """

    kind: CodeKind
    lengths: tuple[int, ...]
    alphabet: str = "0123456789"
    forbidden_prefixes: tuple[str, ...] = ()
    align: timedelta | None = None
    span_unit: timedelta | None = None
    min_span: timedelta = timedelta(0)
    max_span: timedelta | None = None
    revocable: bool = True
    chosen_code: bool = False
    # A code that nobody has used this long after its start stops working.
    first_use_within: timedelta | None = None
    max_start_before_issue: timedelta | None = None

    def use_by(self, start: datetime) -> datetime | None:
        """Tell when a code of these rules opening at `start` dies unused (None: never)."""
        if self.first_use_within is None:
            return None
        return start + self.first_use_within


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What can be done with a lock from Home Assistant."""

    remote_lock: bool = False
    remote_unlock: bool = False
    open: bool = False
    reports_state: bool = False
    battery_level: bool = False
    battery_critical: bool = False
    keypad_battery_critical: bool = False
    door_sensor: bool = False
    # The lock's log tells which code opened it (see LockVendor.async_get_code_uses).
    reports_code_use: bool = False

    @property
    def remote_control(self) -> bool:
        """Whether the lock gets a lock entity."""
        return self.remote_lock or self.remote_unlock


@dataclass(frozen=True, slots=True)
class LockStatus:
    """What the vendor last reported about a lock; None means it did not say."""

    state: LockState | None = None
    battery_level: int | None = None
    battery_critical: bool | None = None
    keypad_battery_critical: bool | None = None
    door_open: bool | None = None
    online: bool = True


@dataclass(frozen=True, slots=True)
class SlotRange:
    """The code slots of a lock that lockbooking may write and clear (by default 10-19)."""

    first: int = 10
    count: int = 10

    def __post_init__(self) -> None:
        """Refuse a range with no slot or a slot number below 1."""
        if self.first < 1:
            raise ValueError(f"first slot must be at least 1, not {self.first}")
        if self.count < 1:
            raise ValueError(f"slot count must be at least 1, not {self.count}")

    @property
    def slots(self) -> range:
        """Every managed slot, lowest first."""
        return range(self.first, self.first + self.count)

    def __contains__(self, slot: object) -> bool:
        """Tell whether a slot number is one lockbooking manages."""
        return isinstance(slot, int) and slot in self.slots


@dataclass(frozen=True, slots=True)
class Lock:
    """One physical lock or door, as a vendor account lists it."""

    id: str
    name: str
    manufacturer: str
    model: str
    capabilities: Capabilities
    code_rules: tuple[CodeRules, ...] = ()
    status: LockStatus = field(default_factory=LockStatus)
    time_zone: str | None = None
    sw_version: str | None = None
    via_device: str | None = None
    # A lock that holds codes in numbered slots without a time window: lockbooking
    # writes each code into one of these when its window opens and clears it when it
    # closes (activation.py). None: the lock keeps each code's window itself.
    slots: SlotRange | None = None
    # The Home Assistant lock entity this lock is, for a lock another integration
    # provides (lockbooking then creates no entity of its own for it).
    entity_id: str | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """A time window with timezone-aware ends."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class PlannedCode:
    """What the planner decided a vendor will be asked for.

    `taken` holds the codes other live records already hold on the lock, so a vendor
    that computes codes (igloohome's algoPINs) picks one no other stay has.
    """

    kind: CodeKind
    window: Window
    rules: CodeRules
    notes: tuple[str, ...] = ()
    taken: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code a vendor accepted.

    `use_by` is when the code stops working unless it has been used by then (None: it
    works its whole window), as the vendor that issued it says.
    """

    lock_id: str
    kind: CodeKind
    code: str
    window: Window
    vendor_id: str | None = None
    revocable: bool = True
    notes: tuple[str, ...] = ()
    use_by: datetime | None = None


@dataclass(frozen=True, slots=True)
class CodeUse:
    """A code that opened a lock, as the lock's log tells it.

    `vendor_id` names the code as `IssuedCode.vendor_id` does; `code` is the digits,
    for a log that shows them instead. At least one of the two is set.
    """

    at: datetime
    vendor_id: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Reservation:
    """A stay read from a booking feed or a calendar: check-in to check-out, aware."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    description: str | None = None
    phone_last4: str | None = None
    # The booking's confirmation code or link, as its description tells it: what says
    # that a stay under a new uid is the same booking (see `reservations/identity.py`).
    reference: str | None = None
