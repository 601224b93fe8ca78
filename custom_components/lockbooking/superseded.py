"""Make before break: the old code a record's new window replaced, revoked after.

A record keeps the replaced code (`CodeRecord.superseded`) until the vendor revoked
it, so a failure or a restart between making the new code and breaking the old one
leaves the old one known, and revoked on the next pass (`reconcile.py`), or with the
stay's cancellation (`codes.async_revoke`).
"""

from __future__ import annotations

from datetime import datetime

from .code_record import CodeRecord
from .const import LOGGER
from .ledger import CodeLedger
from .locks import LockTarget
from .models import CodeKind, IssuedCode, Window
from .vendors.base import VendorError, VendorUnsupportedError


async def async_revoke_superseded(
    ledger: CodeLedger, target: LockTarget, record: CodeRecord, *, strict: bool = True
) -> CodeRecord:
    """Revoke the code a record's newer window replaced.

    Raises VendorError when `strict`; otherwise the old code stays recorded, to be
    revoked on the next pass (the new one is issued either way).
    """
    old = record.superseded
    if old is None:
        return record
    if old.kind is None or old.kind not in CodeKind:
        raise VendorUnsupportedError(f"a code of unknown kind {old.kind}")
    replaced = IssuedCode(
        lock_id=target.lock.id,
        kind=CodeKind(old.kind),
        code=old.code or "",
        window=_window(old.starts, old.ends) or record.window,
        vendor_id=old.vendor_id,
        revocable=old.revocable,
    )
    try:
        async with target.entry.runtime_data.vendor_calls:
            await target.entry.runtime_data.vendor.async_revoke_code(
                target.lock, replaced
            )
    except VendorError as err:
        if strict:
            raise
        LOGGER.warning(
            "The code a new window replaced on %s could not be revoked yet (%s); "
            "it is tried again",
            target.lock.name,
            err.key,
        )
        return record
    return await ledger.async_put(record.evolve(superseded=None))


def _window(start: str | None, end: str | None) -> Window | None:
    if start is None or end is None:
        return None
    return Window(datetime.fromisoformat(start), datetime.fromisoformat(end))
