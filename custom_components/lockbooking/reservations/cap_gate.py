"""The bound on new codes per lock per run, as the host sees it: a fixable repair.

The rule itself is `code_cap.py`'s; this holds it for one entry, tells which of the
due stays' locks get a new code now, and raises the repair whose confirmation
(`repairs.py`) lifts the hold.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ..code_record import CodeRecord
from ..const import DOMAIN
from ..ledger import CodeLedger
from ..locks import LockTarget
from ..models import Reservation
from .code_cap import NewCodeCap

ISSUE_TOO_MANY_NEW_CODES = "too_many_new_codes"


class CapGate:
    """One entry's bound on new codes, with its repair issue."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, ledger: CodeLedger
    ) -> None:
        """Start with no lock held."""
        self.hass = hass
        self.entry = entry
        self.ledger = ledger
        self._cap = NewCodeCap()

    @property
    def issue_id(self) -> str:
        """Name the entry's repair issue."""
        return f"{ISSUE_TOO_MANY_NEW_CODES}_{self.entry.entry_id}"

    def lift(self) -> None:
        """Let the next run issue every due code."""
        self._cap.lift()
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)

    def admit(
        self, due: list[Reservation], targets: list[LockTarget]
    ) -> dict[str, list[LockTarget]]:
        """Bound the new codes per lock (see code_cap.py); a held lock raises a repair."""
        scope = self.entry.entry_id
        wanted = [
            (
                reservation.uid,
                {
                    target.key
                    for target in targets
                    if not _live(self.ledger.get(reservation.uid, target.key, scope))
                },
            )
            for reservation in due
        ]
        admitted = self._cap.admit(wanted)
        new = dict(wanted)
        held = sorted(
            target.lock.name for target in targets if target.key in self._cap.held
        )
        if held:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self.issue_id,
                is_fixable=True,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_TOO_MANY_NEW_CODES,
                translation_placeholders={
                    "entry": self.entry.title,
                    "locks": ", ".join(held),
                    "limit": str(self._cap.limit),
                },
                data={"entry_id": scope},
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        return {
            reservation.uid: [
                target
                for target in targets
                if target.key not in new[reservation.uid]
                or target.key in admitted[reservation.uid]
            ]
            for reservation in due
        }


def _live(record: CodeRecord | None) -> bool:
    """Tell whether the lock may hold the stay's code already (a new window is no new code)."""
    return record is not None and record.live
