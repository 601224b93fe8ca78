"""What a reservations entry remembers across restarts and reloads.

A cancellation is decided over several good fetches, and a restart (or a reload: any
option change makes one) may fall between them; a stay found cancelled may not have
had its codes revoked yet. So the entry keeps, in a Store of its own: the stays of its
last good fetch, the consecutive misses of each stay missing, the stays found
cancelled whose codes automatic mode has yet to revoke, and when the feed began to
fail, with the source all that was read from. Written atomically; a stored item this version cannot read is dropped, and a
store it cannot read at all counts as none (the entry then starts as a new one would).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from ..const import DOMAIN, LOGGER
from ..models import Reservation

STORAGE_VERSION = 1


def storage_key(entry_id: str) -> str:
    """Name the Store of a reservations entry."""
    return f"{DOMAIN}.reservations.{entry_id}"


@dataclass(slots=True)
class SavedStays:
    """A reservations entry's memory; `stays` is None before its first good fetch."""

    stays: dict[str, Reservation] | None = None
    misses: dict[str, int] = field(default_factory=dict)
    cancelled: list[Reservation] = field(default_factory=list)
    failing_since: datetime | None = None
    # The feed's address (`feed_address_key`) or the calendar the stays came from.
    source: str | None = None


def dump(saved: SavedStays) -> dict[str, Any]:
    """Give the memory as JSON-ready data."""
    return {
        "stays": None
        if saved.stays is None
        else [_dump_stay(stay) for stay in saved.stays.values()],
        "misses": dict(saved.misses),
        "cancelled": [_dump_stay(stay) for stay in saved.cancelled],
        "failing_since": saved.failing_since.isoformat()
        if saved.failing_since
        else None,
        "source": saved.source,
    }


def load(raw: Any) -> SavedStays:
    """Read stored memory; what cannot be read is left out."""
    if not isinstance(raw, Mapping):
        return SavedStays()
    stays: dict[str, Reservation] | None = None
    if isinstance(raw_stays := raw.get("stays"), list):
        read = (_load_stay(item) for item in raw_stays)
        stays = dict(
            sorted(
                ((stay.uid, stay) for stay in read if stay is not None),
                key=lambda item: (item[1].start, item[0]),
            )
        )
    misses = raw.get("misses")
    cancelled = raw.get("cancelled")
    return SavedStays(
        stays=stays,
        misses={
            uid: count
            for uid, count in misses.items()
            if isinstance(uid, str) and type(count) is int and count > 0
        }
        if isinstance(misses, Mapping)
        else {},
        cancelled=[
            stay
            for stay in (_load_stay(item) for item in cancelled)
            if stay is not None
        ]
        if isinstance(cancelled, list)
        else [],
        failing_since=_moment(raw.get("failing_since")),
        source=source if isinstance(source := raw.get("source"), str) else None,
    )


def _dump_stay(stay: Reservation) -> dict[str, Any]:
    return {
        "uid": stay.uid,
        "summary": stay.summary,
        "start": stay.start.isoformat(),
        "end": stay.end.isoformat(),
        "description": stay.description,
        "phone_last4": stay.phone_last4,
        "reference": stay.reference,
    }


def _load_stay(raw: Any) -> Reservation | None:
    if not isinstance(raw, Mapping):
        return None
    uid, summary = raw.get("uid"), raw.get("summary")
    start, end = _moment(raw.get("start")), _moment(raw.get("end"))
    optional = [raw.get(name) for name in ("description", "phone_last4", "reference")]
    if (
        not isinstance(uid, str)
        or not uid
        or not isinstance(summary, str)
        or start is None
        or end is None
        or not all(value is None or isinstance(value, str) for value in optional)
    ):
        return None
    return Reservation(uid, summary, start, end, *optional)


def _moment(raw: Any) -> datetime | None:
    """Read an aware moment from its ISO text; None for anything else."""
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class _SavedStore(Store[dict[str, Any]]):
    """Any minor version of this major one is read as it is; another one is refused."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        if old_major_version != STORAGE_VERSION:
            raise NotImplementedError(f"reservations format {old_major_version}")
        return old_data


class StaysMemory:
    """One reservations entry's Store: read once at set-up, written on each change."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the entry's Store."""
        self._store = _SavedStore(
            hass, STORAGE_VERSION, storage_key(entry_id), atomic_writes=True
        )
        self._written: dict[str, Any] | None = None

    async def async_load(self) -> SavedStays:
        """Read what earlier runs saved; nothing if there is none or it is unreadable."""
        try:
            raw = await self._store.async_load()
        except (NotImplementedError, HomeAssistantError) as err:
            LOGGER.warning(
                "The saved reservations %s cannot be read (%s); they are read anew",
                self._store.path,
                err,
            )
            return SavedStays()
        saved = load(raw)
        self._written = dump(saved)
        return saved

    async def async_save(self, saved: SavedStays) -> None:
        """Write the memory, unless it is what was last written."""
        data = dump(saved)
        if data == self._written:
            return
        await self._store.async_save(data)
        self._written = data


async def async_remove_saved(hass: HomeAssistant, entry_id: str) -> None:
    """Delete a removed entry's memory."""
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, storage_key(entry_id)
    ).async_remove()
