"""The host's word wins: when automatic mode may (re)issue a stay's code on a lock.

A code the host revoked stays revoked while the stay keeps its dates; a code the host
issued for a stay is kept while its window covers the stay. Anything else follows the
entry's own window for the stay.
"""

from __future__ import annotations

from ..code_choice import CodeRequest
from ..code_record import CodeRecord, CodeStatus, Decider
from ..codes import already_issued
from ..models import Window


def needs_code(
    record: CodeRecord | None, request: CodeRequest, *, arrived: bool = False
) -> bool:
    """Tell whether automatic mode must (re)issue the request's code on a lock.

    The host's word wins: a code the host revoked stays revoked while the stay keeps
    its dates, and a code the host issued is kept while it covers the stay. Once the
    stay's guest has `arrived` (a lock saw one of its codes used), the codes they hold
    are kept while they cover the stay (a margin changed mid-stay changes nothing at
    the door).
    """
    if record is None:
        return True
    stay = request.stay
    if record.decided_by is Decider.HOST and stay is not None:
        if record.status is CodeStatus.REVOKED:
            return not _same_stay(record, request)
        if record.status is CodeStatus.ISSUED and _covers(record, stay):
            return False
    if (
        arrived
        and stay is not None
        and record.status is CodeStatus.ISSUED
        and record.announced
        and _same_stay(record, request)
        and _covers(record, stay)
    ):
        return False
    return not (already_issued(record, request) and record.announced)


def _same_stay(record: CodeRecord, request: CodeRequest) -> bool:
    """Tell whether the record was decided for the stay's current dates."""
    stay = request.stay
    if record.stay_start is None or record.stay_end is None or stay is None:
        return record.requested(request.start, request.end)
    return (record.stay_start, record.stay_end) == (
        stay.start.isoformat(),
        stay.end.isoformat(),
    )


def _covers(record: CodeRecord, stay: Window) -> bool:
    """Tell whether the record's code opens the lock for the whole stay."""
    try:
        window = record.window
    except ValueError:
        return False
    return window.start <= stay.start and window.end >= stay.end
