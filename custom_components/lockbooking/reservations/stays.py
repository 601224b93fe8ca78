"""The cancellation rules: what a good fetch changes in the stays already known.

Pure: no Home Assistant, no I/O. A stay counts as cancelled only after it has been
missing from MISSES_TO_CANCEL consecutive good fetches, and only while it has not
ended (feeds drop past stays on their own). A fetch without any stay to come, while
such stays were known, changes nothing. A stay that comes back under a new uid (some
platforms regenerate them) is the same stay, renamed, only when its description says it
is the same booking; another guest booking the nights a cancelled one freed is a new
stay. A stay whose event could not be read is unknown, not absent: it is kept and its
misses are not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ..models import Reservation

MISSES_TO_CANCEL = 2


@dataclass(frozen=True, slots=True)
class StayChanges:
    """What a good fetch means for the stays known before it."""

    # The stays known from now on, sorted by check-in (then uid).
    stays: dict[str, Reservation]
    # Consecutive misses of the stays still missing, to carry into the next fetch.
    misses: dict[str, int]
    new: tuple[Reservation, ...] = ()
    changed: tuple[Reservation, ...] = ()
    # Old uid -> new uid.
    renamed: dict[str, str] = field(default_factory=dict)
    cancelled: tuple[Reservation, ...] = ()
    # True when the fetch had no stay to come while some were known: nothing changed.
    ignored: bool = False


def compare_stays(
    known: dict[str, Reservation],
    fetched: dict[str, Reservation],
    misses: dict[str, int],
    *,
    now: datetime,
    unreadable: Iterable[str | None] = (),
    can_rename: Callable[[str], bool] = lambda uid: True,
) -> StayChanges:
    """Compare the known stays with a good fetch's.

    `misses` holds the consecutive misses so far; `unreadable` the uids of the events
    the fetch could not read (None for one whose uid could not be read either);
    `can_rename` says whether a stay's uid may move now (not while a code is being
    issued for it).
    """
    if _any_current(known, now) and not _any_current(fetched, now):
        return StayChanges(stays=known, misses=misses, ignored=True)
    misses = dict(misses)
    present = dict(fetched)
    renamed = {
        old_uid: new_uid
        for old_uid, new_uid in renamed_stays(known, present).items()
        if can_rename(old_uid)
    }
    for old_uid in renamed:
        misses.pop(old_uid, None)
    for uid in present:
        misses.pop(uid, None)
    unknown = _unknown(unreadable)
    cancelled: list[Reservation] = []
    for uid, reservation in known.items():
        if uid in present or uid in renamed or reservation.end <= now:
            continue
        if unknown is None or uid.partition("#")[0] in unknown or uid in unknown:
            # Its event may be the one that could not be read: unknown, not absent.
            present[uid] = reservation
            continue
        count = misses.get(uid, 0) + 1
        if count >= MISSES_TO_CANCEL:
            misses.pop(uid, None)
            cancelled.append(reservation)
        else:
            misses[uid] = count
            present[uid] = reservation
    new_uids = set(renamed.values())
    return StayChanges(
        stays=dict(sorted(present.items(), key=lambda item: (item[1].start, item[0]))),
        misses=misses,
        new=tuple(
            r for uid, r in fetched.items() if uid not in known and uid not in new_uids
        ),
        changed=tuple(
            r for uid, r in fetched.items() if uid in known and known[uid] != r
        ),
        renamed=renamed,
        cancelled=tuple(cancelled),
    )


def _unknown(unreadable: Iterable[str | None]) -> frozenset[str] | None:
    """Collect the uids of unreadable events; None if one had no readable uid."""
    uids = list(unreadable)
    if any(uid is None for uid in uids):
        return None
    return frozenset(uid for uid in uids if uid)


def _any_current(reservations: dict[str, Reservation], now: datetime) -> bool:
    """Whether any of the reservations has not ended."""
    return any(reservation.end > now for reservation in reservations.values())


def renamed_stays(
    known: dict[str, Reservation], present: dict[str, Reservation]
) -> dict[str, str]:
    """Stays that went missing while the same stay appeared under a new uid: old -> new.

    Only one-to-one pairs count: the same check-in and check-out, and the same booking
    by what identifies it (`_same_booking`). Anything else stays a cancellation plus a
    new stay: the old code is revoked and the new guest gets a code of their own.
    """
    gone = _by_dates(r for uid, r in known.items() if uid not in present)
    new = _by_dates(r for uid, r in present.items() if uid not in known)
    pairs: dict[str, str] = {}
    for dates, olds in gone.items():
        for old in olds:
            matches = [r for r in new.get(dates, ()) if _same_booking(old, r)]
            if len(matches) == 1 and [
                o for o in olds if _same_booking(o, matches[0])
            ] == [old]:
                pairs[old.uid] = matches[0].uid
    return pairs


def _by_dates(
    reservations: Iterable[Reservation],
) -> dict[tuple[datetime, datetime], list[Reservation]]:
    grouped: defaultdict[tuple[datetime, datetime], list[Reservation]] = defaultdict(
        list
    )
    for reservation in reservations:
        grouped[(reservation.start, reservation.end)].append(reservation)
    return grouped


def _same_booking(old: Reservation, new: Reservation) -> bool:
    """Whether two stays are one booking: the same reference, else the same phone digits.

    Never by summary: Booking.com and VRBO give every booking the same one, and a
    new guest must not inherit a cancelled guest's code.
    """
    if old.reference and new.reference:
        return old.reference == new.reference
    if old.phone_last4 and new.phone_last4:
        return old.phone_last4 == new.phone_last4
    return False
