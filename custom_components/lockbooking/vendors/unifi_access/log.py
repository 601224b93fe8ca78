"""The UniFi Access system log read for visitor PINs opening a door.

The log names the visitor, not the PIN, so a use carries the visitor's id, which is
the code's `vendor_id`. Openings by the app, a card, a face or a user's own PIN, and
refused PINs, are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from homeassistant.util import dt as dt_util

from ...models import CodeUse

# What a door opening by a visitor's PIN looks like in the system log.
LOG_TOPIC: Final = "door_openings"
UNLOCK_EVENT: Final = "access.door.unlock"
GRANTED: Final = "ACCESS"
PIN_PROVIDER: Final = "PIN_CODE"
VISITOR_ACTOR: Final = "visitor"


def visitor_pin_uses(
    hits: Iterable[Mapping[str, Any]], door_id: str, since: datetime
) -> list[CodeUse]:
    """List the visitor PINs that opened the door at or after `since`, oldest first."""
    uses = {
        use
        for hit in hits
        if (use := _visitor_pin_use(hit, door_id)) is not None and use.at >= since
    }
    return sorted(uses, key=lambda use: use.at)


def _visitor_pin_use(hit: Mapping[str, Any], door_id: str) -> CodeUse | None:
    """Read a system log entry as a visitor's PIN opening the door, if it is one."""
    source = _mapping(hit.get("_source"))
    actor = _mapping(source.get("actor"))
    event = _mapping(source.get("event"))
    provider = _mapping(source.get("authentication")).get("credential_provider")
    visitor_id = actor.get("id")
    targets = source.get("target")
    if not (
        _text(actor.get("type")).lower() == VISITOR_ACTOR
        and _text(provider).upper() == PIN_PROVIDER
        and event.get("type") == UNLOCK_EVENT
        and _text(event.get("result")).upper() == GRANTED
        and isinstance(visitor_id, str)
        and visitor_id
        and any(
            isinstance(target, dict)
            and target.get("type") == "door"
            and target.get("id") == door_id
            for target in (targets if isinstance(targets, list) else ())
        )
    ):
        return None
    at = _log_time(event.get("published"), hit.get("@timestamp"))
    return CodeUse(at=at, vendor_id=visitor_id) if at is not None else None


def _log_time(published: Any, timestamp: Any) -> datetime | None:
    """Tell when a log entry happened: `published` (epoch ms), else `@timestamp`."""
    if isinstance(published, int | float) and not isinstance(published, bool):
        return datetime.fromtimestamp(published / 1000, UTC)
    when = dt_util.parse_datetime(timestamp) if isinstance(timestamp, str) else None
    return when if when is not None and when.tzinfo is not None else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
