"""Which managed code slot of a lock a code window may use.

A lock in Home Assistant holds codes in numbered slots. lockbooking manages a run of
them per lock (first slot and count; by default 10-19) and writes a guest's code into
one for its code window only. Two codes whose windows overlap need different slots; a
slot whose code window has ended is free again. No slot free means a refusal, never an
overwrite. Plain data only: no Home Assistant import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from .models import SlotRange

DEFAULT_FIRST_SLOT: Final = 10
DEFAULT_SLOT_COUNT: Final = 10


@dataclass(frozen=True, slots=True)
class SlotUse:
    """A slot held by a code for its code window [starts, ends)."""

    slot: int
    starts: datetime
    ends: datetime
    holder: str = ""


@dataclass(frozen=True, slots=True)
class WindowSlot:
    """The window a new code needs a slot for."""

    starts: datetime
    ends: datetime

    def __post_init__(self) -> None:
        """Refuse a window that does not open before it closes."""
        if not self.starts < self.ends:
            raise ValueError("a code window must start before it ends")

    def overlaps(self, use: SlotUse) -> bool:
        """Tell whether a slot's use shares any instant with this window."""
        return self.starts < use.ends and use.starts < self.ends


class NoFreeSlotError(Exception):
    """Every managed slot is held by a code whose window overlaps the new one."""

    def __init__(
        self, managed: SlotRange, window: WindowSlot, busy: tuple[SlotUse, ...]
    ) -> None:
        """Keep what was asked and what stood in the way, for the refusal's message."""
        super().__init__(
            f"no free code slot among {managed.first}-{managed.first + managed.count - 1}"
            f" for {window.starts.isoformat()} to {window.ends.isoformat()}"
        )
        self.managed = managed
        self.window = window
        self.busy = busy


def pick_slot(
    managed: SlotRange,
    in_use: Iterable[SlotUse],
    starts: datetime,
    ends: datetime,
    *,
    now: datetime | None = None,
    holder: str | None = None,
) -> int:
    """Choose the lowest managed slot free for the whole window [starts, ends).

    Uses outside the managed range are ignored (those slots are never written); so are
    uses that ended at or before `now` (their codes are cleared) and the uses of
    `holder` itself (a code being moved does not stand in its own way). Raises
    `NoFreeSlotError` when every managed slot is taken for part of the window.
    """
    window = WindowSlot(starts, ends)
    busy = tuple(
        use
        for use in in_use
        if use.slot in managed
        and (now is None or use.ends > now)
        and (holder is None or use.holder != holder)
        and window.overlaps(use)
    )
    taken = {use.slot for use in busy}
    for slot in managed.slots:
        if slot not in taken:
            return slot
    raise NoFreeSlotError(managed, window, busy)
