"""Automatic issues that failed: each stay waits longer before its next try.

The wait doubles with each failure (jittered, at most an hour, never less than the
vendor asked for); a stay that keeps failing raises a repair issue, which goes when
its code is issued, or when the stay ends or leaves the feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN, LOGGER
from ..errors import repair_text
from ..models import Reservation
from ..vendors.retry import jitter

FAILURES_BEFORE_REPAIR = 3
MAX_BACKOFF = timedelta(hours=1)


@dataclass(slots=True)
class _Attempts:
    count: int
    next_try: datetime


class IssueRetries:
    """One reservations entry's failed stays, their next try and their repair."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Start with no failure."""
        self.hass = hass
        self.entry = entry
        self.failures: dict[str, _Attempts] = {}

    def waiting(self, uid: str, now: datetime) -> bool:
        """Tell whether the stay is backing off after a failure."""
        attempts = self.failures.get(uid)
        return attempts is not None and now < attempts.next_try

    def failed(
        self,
        reservation: Reservation,
        reason: str,
        now: datetime,
        retry_after: float | None = None,
    ) -> None:
        """Wait longer each time, never less than the vendor asked; repair after a few."""
        previous = self.failures.get(reservation.uid)
        count = previous.count + 1 if previous else 1
        ceiling = min(timedelta(minutes=2**count), MAX_BACKOFF).total_seconds()
        # Jitter keeps entries that failed together from retrying in step.
        seconds = max(ceiling / 2 + jitter(ceiling / 2), retry_after or 0.0)
        backoff = timedelta(seconds=round(seconds))
        self.failures[reservation.uid] = _Attempts(count, now + backoff)
        LOGGER.warning(
            "%s: could not issue the code for a stay starting %s (%s); retrying in %s",
            self.entry.title,
            reservation.start.isoformat(),
            reason,
            backoff,
        )
        if count >= FAILURES_BEFORE_REPAIR:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id(reservation.uid),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="code_failed",
                translation_placeholders={
                    "entry": self.entry.title,
                    "summary": repair_text(reservation.summary),
                    "start": reservation.start.isoformat(),
                    "reason": reason,
                },
            )

    def succeeded(self, uid: str) -> None:
        """Forget the stay's failures and its repair."""
        if self.failures.pop(uid, None) is not None:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(uid))

    def forget_gone(self, reservations: dict[str, Reservation], now: datetime) -> None:
        """Drop the retry state (and repair issue) of stays that ended or left the feed."""
        gone = [
            uid
            for uid in self.failures
            if (reservation := reservations.get(uid)) is None or reservation.end <= now
        ]
        for uid in gone:
            del self.failures[uid]
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(uid))

    def _issue_id(self, uid: str) -> str:
        return f"code_failed_{self.entry.entry_id}_{uid}"
