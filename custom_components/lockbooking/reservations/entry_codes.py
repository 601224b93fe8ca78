"""Housekeeping of one reservations entry's codes, before automatic mode issues any.

- records written before records had a scope are taken by the entry of their stay;
- the entry's codes on locks it no longer has (or all of them, when the entry is
  deleted) are revoked, or said in a repair when they cannot be.
"""

from __future__ import annotations

from collections.abc import Collection

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from ..code_record import CodeRecord
from ..codes import CodeFailure, async_revoke
from ..const import CONF_LOCKS, DOMAIN, LOGGER
from ..ledger import CodeLedger
from ..locks import LockTarget, locks_for_keys
from ..planner import PlanRefused

ISSUE_CODES_LEFT_LIVE = "codes_left_live"


async def async_revoke_entry_codes(
    hass: HomeAssistant,
    ledger: CodeLedger,
    entry: ConfigEntry,
    keep: Collection[str] = (),
) -> None:
    """Revoke an entry's live codes on every lock but `keep` (all of them: entry removed).

    A code that cannot be revoked (an algoPIN) or whose lock's account is not loaded
    now is said in a repair issue, which goes once nothing of the kind is left.
    """
    scope = entry.entry_id
    live = [
        record
        for record in ledger.records(scope=scope)
        if record.lock_key not in keep and record.live
    ]
    targets = {
        t.key: t for t in locks_for_keys(hass, sorted({r.lock_key for r in live}))
    }
    left: list[CodeRecord] = []
    for record in live:
        target = targets.get(record.lock_key)
        if target is None or not (record.revocable or record.superseded):
            left.append(record)
            continue
        try:
            await async_revoke(ledger, [target], uid=record.uid, scope=scope)
        except (PlanRefused, CodeFailure, HomeAssistantError) as err:
            LOGGER.warning(
                "%s: could not revoke a code on %s, a lock the entry no longer has: %s",
                entry.title,
                record.lock_name,
                type(err).__name__,
            )
            left.append(record)
    issue_id = f"{ISSUE_CODES_LEFT_LIVE}_{scope}"
    if not left:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        is_persistent=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_CODES_LEFT_LIVE,
        translation_placeholders={
            "entry": entry.title,
            "count": str(len(left)),
            "locks": ", ".join(sorted({record.lock_name for record in left})),
            "ends": max(record.ends or record.requested_end for record in left),
        },
    )


async def async_tidy_entry_codes(
    hass: HomeAssistant,
    ledger: CodeLedger,
    entry: ConfigEntry,
    uids: list[str],
    targets: list[LockTarget],
) -> None:
    """Do the entry's housekeeping (see above) with the locks loaded now."""
    await _async_claim_unscoped(ledger, entry.entry_id, uids, targets)
    await async_revoke_entry_codes(
        hass, ledger, entry, keep=set(entry.data.get(CONF_LOCKS, []))
    )


async def _async_claim_unscoped(
    ledger: CodeLedger, scope: str, uids: list[str], targets: list[LockTarget]
) -> None:
    """Take this entry's stays' records written before records had a scope."""
    for uid in uids:
        for target in targets:
            if (
                ledger.get(uid, target.key, scope) is None
                and (record := ledger.get(uid, target.key, "")) is not None
                and not ledger.busy(record.key)
            ):
                await ledger.async_move(record, scope=scope)
