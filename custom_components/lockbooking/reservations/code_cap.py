"""A bound on new codes per lock per run: a feed's burst waits for the host.

A feed that suddenly lists hundreds of short stays (a glitch, an import, someone
else's calendar) must not put hundreds of live codes on a front door from one read.
Pure: no Home Assistant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

NEW_CODES_PER_LOCK_PER_RUN = 10


class NewCodeCap:
    """Admit at most `limit` new codes per lock per run; beyond, hold the lock.

    A held lock gets no new code while stays wait for one, until the
    host lifts the hold (once: the next run admits everything due). A lock on which
    no stay waits for a new code any more is released on its own.
    """

    def __init__(self, limit: int = NEW_CODES_PER_LOCK_PER_RUN) -> None:
        """Start with no lock held."""
        self.limit = limit
        self.held: set[str] = set()
        self._lifted = False

    def lift(self) -> None:
        """Let the next run issue every due code: the host has seen the burst."""
        self._lifted = True
        self.held.clear()

    def admit(self, wanted: Iterable[tuple[str, set[str]]]) -> dict[str, set[str]]:
        """Split each stay's wanted new-code locks into those admitted now.

        `wanted` lists (uid, lock keys where the stay needs a new code) in check-in
        order; the answer maps each uid to its admitted lock keys. Locks newly over
        the cap are added to `held`.
        """
        stays = list(wanted)
        if self._lifted:
            self._lifted = False
            return {uid: set(keys) for uid, keys in stays}
        totals = Counter(key for _, keys in stays for key in keys)
        over = {key for key, total in totals.items() if total > self.limit}
        self.held &= set(totals)  # a lock nothing waits on any more is released
        admitted: dict[str, set[str]] = {}
        counts: Counter[str] = Counter()
        for uid, keys in stays:
            admitted[uid] = {
                key
                for key in keys
                if key not in self.held
                and (key not in over or counts[key] < self.limit)
            }
            counts.update(admitted[uid])
        self.held |= over
        return admitted
