"""Which slot a slot lock's code takes, and what its slot should hold at a moment.

A slot lock (`Lock.slots`) keeps codes without windows, so lockbooking keeps a slot
for each code's window (two codes whose windows overlap need different slots; a slot
a code is still in stays taken until it is cleared) and compares what a record says
is on the lock with what should be there now (activation.py acts on the difference).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.util import dt as dt_util

from .code_choice import CodeRequest, code_holder
from .code_record import CodeRecord, CodeStatus, record_key
from .ledger import CodeLedger
from .locks import LockTarget
from .models import PlannedCode, SlotRange
from .planner import PlanRefused
from .slots import NoFreeSlotError, SlotUse, pick_slot

# A write or clear this long after its moment says so in the record's notes.
LATE_AFTER = timedelta(minutes=5)
_EVER = (
    datetime.min.replace(tzinfo=dt_util.UTC),
    datetime.max.replace(tzinfo=dt_util.UTC),
)


def slot_for(
    ledger: CodeLedger,
    target: LockTarget,
    starts: datetime,
    ends: datetime,
    *,
    own_key: str,
    prefer: int | None = None,
) -> int:
    """Choose the managed slot a code window will use on a slot lock.

    The slot a record already has is kept when it is free for the new window. Raises
    PlanRefused (`no_free_slot`) when every managed slot is held for part of it.
    """
    managed = target.lock.slots
    assert managed is not None
    uses = slot_uses(ledger, target.key, own_key)
    if prefer is not None and prefer in managed:
        try:
            return pick_slot(SlotRange(prefer, 1), uses, starts, ends)
        except NoFreeSlotError:
            pass
    try:
        return pick_slot(managed, uses, starts, ends)
    except NoFreeSlotError as err:
        raise PlanRefused(
            "no_free_slot",
            {
                "lock": target.lock.name,
                "slots": f"{managed.first}-{managed.first + managed.count - 1}",
            },
        ) from err


def slot_uses(ledger: CodeLedger, lock_key: str, own_key: str) -> list[SlotUse]:
    """Every slot the lock's other records hold: for their window, or while on the lock."""
    uses: list[SlotUse] = []
    for record in ledger.records():
        if record.lock_key != lock_key or record.key == own_key:
            continue
        for held in (record.on_lock_slot, record.stale_slot):
            if held is not None:
                uses.append(SlotUse(held, *_EVER, record.key))
        if record.slot is not None and record.status is CodeStatus.ISSUED:
            window = record.window
            uses.append(SlotUse(record.slot, window.start, window.end, record.key))
    return uses


def request_slot(
    ledger: CodeLedger, target: LockTarget, request: CodeRequest, plan: PlannedCode
) -> int:
    """Choose the slot a request's planned window takes, keeping its record's own."""
    existing = ledger.get(request.uid, target.key, request.scope)
    return slot_for(
        ledger,
        target,
        plan.window.start,
        plan.window.end,
        own_key=record_key(request.uid, target.key, request.scope),
        prefer=existing.slot if existing is not None and existing.live else None,
    )


def check_slot(
    ledger: CodeLedger, target: LockTarget, request: CodeRequest, plan: PlannedCode
) -> None:
    """Refuse, before any call, a slot lock's code with no free slot or a taken code."""
    request_slot(ledger, target, request, plan)
    if request.code is not None and code_holder(
        ledger, target.key, request.code, request
    ):
        raise PlanRefused("code_in_use", {"lock": target.lock.name})


def wanted_slot(record: CodeRecord, now: datetime) -> int | None:
    """Tell the slot the record's code should be in now (None: not on the lock)."""
    if record.status is not CodeStatus.ISSUED or record.slot is None:
        return None
    window = record.window
    return record.slot if window.start <= now < window.end else None


def settled(record: CodeRecord, now: datetime) -> bool:
    """Tell whether the lock holds exactly what the record wants there now."""
    want = wanted_slot(record, now)
    on_lock = (want, record.code) if want is not None else (None, None)
    return (record.on_lock_slot, record.on_lock_code) == on_lock and (
        record.stale_slot is None
    )


def late(
    notes: tuple[str, ...], what: str, due: datetime, now: datetime
) -> tuple[str, ...]:
    """Add a note when a write or a clear came well after its moment."""
    if now - due < LATE_AFTER:
        return notes
    at = dt_util.as_local(now)
    was = dt_util.as_local(due)
    return (
        *notes,
        f"{what} late at {at:%Y-%m-%d %H:%M} (due {was:%Y-%m-%d %H:%M}): Home "
        "Assistant was not running, or the lock did not answer, then.",
    )


def late_notes(notes: tuple[str, ...]) -> list[str]:
    """Tell the late writes and clears a record's notes recorded, briefly."""
    return [
        note.split(" (", 1)[0].lower()
        for note in notes
        if note.startswith(("Written late", "Cleared late"))
    ]
