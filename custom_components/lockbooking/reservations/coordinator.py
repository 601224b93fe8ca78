"""Reservations of one entry: read from a booking feed or a calendar, kept safely.

A fetch that fails changes nothing; what a good one changes is decided in `stays.py`
(the cancellation rules). A stay that comes back under a new uid as the same booking
keeps its codes: they follow it to the new uid.

What those rules decide over several fetches is saved (`saved.py`) after every good
fetch and read back before the first one, so a restart or a reload between two fetches
changes nothing; a feed that is down at start-up leaves the entry on the stays it last
read, and its failing streak (and repair) counts from its first failure.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..code_record import CodeStatus
from ..const import (
    CONF_ALLOW_HTTP,
    CONF_CALENDAR,
    CONF_CHECKIN,
    CONF_CHECKOUT,
    CONF_URL,
    DEFAULT_CHECKIN,
    DEFAULT_CHECKOUT,
    DOMAIN,
    LOGGER,
)
from ..ledger import LEDGER
from ..models import Reservation
from .calendar_source import CALENDAR_HORIZON, CALENDAR_LOOKBACK, async_read_calendar
from .feed import (
    FeedRead,
    SkippedEvent,
    is_blocked,
    read_feed,
    skip_summary,
)
from .feed_address import feed_address_key
from .feed_fetch import FeedError, async_fetch_feed
from .options import ReservationsOptions
from .saved import SavedStays, StaysMemory, async_remove_saved
from .stays import compare_stays

# A feed failing this long raises a repair issue: its address may have changed.
FEED_FAILING_REPAIR_AFTER = timedelta(hours=6)
ISSUE_FEED_FAILING = "feed_failing"
ISSUE_EVENTS_SKIPPED = "feed_events_skipped"
# The repair's list of reasons is our own text, but bounded all the same.
MAX_REASONS_CHARS = 500


def device_info(entry: ConfigEntry) -> DeviceInfo:
    """Describe the service device a reservations entry's entities share."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="LockBooking",
        model="Reservations",
        entry_type=DeviceEntryType.SERVICE,
    )


class ReservationsCoordinator(DataUpdateCoordinator[dict[str, Reservation]]):
    """Keeps the entry's reservations, keyed by uid, sorted by check-in."""

    config_entry: ConfigEntry

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Refresh at the entry's interval."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(
                minutes=ReservationsOptions.from_entry(entry).refresh_minutes
            ),
        )
        self.checkin = time.fromisoformat(entry.data.get(CONF_CHECKIN, DEFAULT_CHECKIN))
        self.checkout = time.fromisoformat(
            entry.data.get(CONF_CHECKOUT, DEFAULT_CHECKOUT)
        )
        self._etag: str | None = None
        self._last_modified: str | None = None
        self._last_read: FeedRead | None = None
        self._misses: dict[str, int] = {}
        self._failing_since: datetime | None = None
        self._memory = StaysMemory(hass, entry.entry_id)
        url = entry.data.get(CONF_URL)
        self._source = feed_address_key(url) if url else entry.data.get(CONF_CALENDAR)
        # Stays found cancelled, until automatic mode has revoked their codes.
        self.cancelled: list[Reservation] = []
        # What the last good read could not read, guessed, or took for closures.
        self.skipped: tuple[SkippedEvent, ...] = ()
        self.notes: tuple[str, ...] = ()
        self.closures: list[Reservation] = []
        entry.async_on_unload(self._on_unload)
        entry.async_on_unload(self._clear_skipped_issue)

    async def _async_setup(self) -> None:
        """Read what earlier runs saved, before the first fetch."""
        saved = await self._memory.async_load()
        # Decided from good fetches: revoked whatever the source is now.
        self.cancelled = saved.cancelled
        if saved.source != self._source:
            # Reconfigured to another feed or calendar: its stays are read afresh,
            # and the old source's are not taken for cancelled by it.
            return
        if saved.stays is not None:
            self.data = saved.stays
        self._misses = saved.misses
        self._failing_since = saved.failing_since

    async def async_config_entry_first_refresh(self) -> None:
        """Refresh at set-up; a source down then leaves the stays saved last time.

        Those stand until a fetch works (the calendar shows them, nothing is revoked
        meanwhile); without any, the entry is not ready, as usual.
        """
        try:
            await super().async_config_entry_first_refresh()
        except ConfigEntryNotReady:
            if self.data is None:
                raise
            LOGGER.warning(
                "%s: the reservations cannot be read (%s); the %d read before stand "
                "until they can",
                self.config_entry.title,
                self.last_exception,
                len(self.data),
            )

    async def _async_update_data(self) -> dict[str, Reservation]:
        known = self.data or {}
        try:
            fetched = await self._async_read()
        except FeedError as err:
            failed = UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=err.key,
                translation_placeholders={"detail": err.detail},
            )
            await self._async_feed_failed(str(failed))
            raise failed from err
        self._feed_ok()
        if fetched is None:
            return await self._async_saved(known, self._misses, ())
        return await self._async_saved(*await self._async_compare(known, fetched))

    async def _async_saved(
        self,
        stays: dict[str, Reservation],
        misses: dict[str, int],
        cancelled: tuple[Reservation, ...],
    ) -> dict[str, Reservation]:
        """Save what a good fetch decided, then let it show.

        Nothing is awaited between the new cancellations showing here and the new
        stays showing as `data` (the coordinator sets it as this returns): automatic
        mode never sees a stay both cancelled and current.
        """
        await self._memory.async_save(
            SavedStays(
                stays,
                misses,
                [*self.cancelled, *cancelled],
                self._failing_since,
                self._source,
            )
        )
        self._misses = misses
        self.cancelled.extend(cancelled)
        return stays

    async def _async_save(self, stays: dict[str, Reservation] | None) -> None:
        await self._memory.async_save(
            SavedStays(
                stays, self._misses, self.cancelled, self._failing_since, self._source
            )
        )

    async def async_forget_cancelled(self, settled: list[Reservation]) -> None:
        """Drop cancelled stays automatic mode is done with, and save that at once."""
        if not settled:
            return
        done = {id(reservation) for reservation in settled}
        self.cancelled = [r for r in self.cancelled if id(r) not in done]
        await self._async_save(self.data)

    async def _async_compare(
        self, known: dict[str, Reservation], fetched: FeedRead
    ) -> tuple[dict[str, Reservation], dict[str, int], tuple[Reservation, ...]]:
        """Apply a good fetch to the stays known before it."""
        self._note_skipped(fetched.skipped)
        self.notes = fetched.notes
        options = ReservationsOptions.from_entry(self.config_entry)
        stays = [
            r
            for r in fetched.reservations
            if not is_blocked(r.summary, options.skip_patterns)
        ]
        self.closures = [r for r in stays if _nights(r) > options.longest_stay_nights]
        changes = compare_stays(
            known,
            {r.uid: r for r in stays if _nights(r) <= options.longest_stay_nights},
            self._misses,
            now=dt_util.utcnow(),
            unreadable=(event.uid for event in fetched.skipped),
            can_rename=lambda uid: not self._issuing(uid),
        )
        if changes.ignored:
            # Airbnb has served calendars of nothing but "Not available" blocks for a
            # while: a feed without a single stay to come is a glitch, not a wave of
            # cancellations.
            LOGGER.warning(
                "%s: the reservations came back without a stay to come; keeping the %d known ones",
                self.config_entry.title,
                len(known),
            )
            return known, self._misses, ()
        for old_uid, new_uid in changes.renamed.items():
            await self._async_follow_uid(old_uid, new_uid)
        return changes.stays, changes.misses, changes.cancelled

    async def _async_follow_uid(self, old_uid: str, new_uid: str) -> None:
        """Move a stay's codes to the uid the source now gives it; no vendor call."""
        ledger = self.hass.data[LEDGER]
        moved = await ledger.async_rekey(old_uid, new_uid, self.config_entry.entry_id)
        # Records written before records had a scope follow too; the entry then takes
        # them under the new uid (entry_codes.py).
        moved += await ledger.async_rekey(old_uid, new_uid, "")
        LOGGER.info(
            "%s: a stay's uid changed; %d door code records follow it",
            self.config_entry.title,
            len(moved),
        )

    def _issuing(self, uid: str) -> bool:
        """Whether a vendor call for the uid is under way: its records cannot move."""
        return any(
            record.status is CodeStatus.PENDING
            for record in self.hass.data[LEDGER].records(
                uid, self.config_entry.entry_id
            )
        )

    def _note_skipped(self, skipped: tuple[SkippedEvent, ...]) -> None:
        """Raise (or clear) the repair that says how many events could not be read."""
        self.skipped = skipped
        if not skipped:
            self._clear_skipped_issue()
            return
        reasons = skip_summary(skipped)
        if len(reasons) > MAX_REASONS_CHARS:
            reasons = reasons[: MAX_REASONS_CHARS - 1] + "…"
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._skipped_issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_EVENTS_SKIPPED,
            translation_placeholders={
                "entry": self.config_entry.title,
                "count": str(len(skipped)),
                "reasons": reasons,
            },
        )

    def _clear_skipped_issue(self) -> None:
        ir.async_delete_issue(self.hass, DOMAIN, self._skipped_issue_id)

    @property
    def _skipped_issue_id(self) -> str:
        return f"{ISSUE_EVENTS_SKIPPED}_{self.config_entry.entry_id}"

    async def _async_feed_failed(self, reason: str) -> None:
        """Note a failed fetch; one failing for long raises a repair issue.

        The streak's start is saved: set-up retries and restarts do not restart it.
        """
        now = dt_util.utcnow()
        if self._failing_since is None:
            self._failing_since = now
            await self._async_save(self.data)
        if now - self._failing_since < FEED_FAILING_REPAIR_AFTER:
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._failing_issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_FEED_FAILING,
            translation_placeholders={
                "entry": self.config_entry.title,
                "since": dt_util.as_local(self._failing_since).isoformat(
                    timespec="minutes"
                ),
                "reason": reason,
            },
        )

    def _feed_ok(self) -> None:
        """End the failing streak, and its repair issue: a fetch worked."""
        if self._failing_since is not None:
            self._failing_since = None
            self._clear_failing_issue()

    @callback
    def _on_unload(self) -> None:
        # A set-up retry unloads too: the feed is still failing, its repair stays.
        if self.config_entry.state is not ConfigEntryState.SETUP_RETRY:
            self._clear_failing_issue()

    def _clear_failing_issue(self) -> None:
        ir.async_delete_issue(self.hass, DOMAIN, self._failing_issue_id)

    @property
    def _failing_issue_id(self) -> str:
        return _failing_issue_id(self.config_entry.entry_id)

    async def _async_read(self) -> FeedRead | None:
        """Read the source's reservations; None if it says "not modified" before any read."""
        data = self.config_entry.data
        if url := data.get(CONF_URL):
            fetch = await async_fetch_feed(
                self.hass,
                url,
                etag=self._etag,
                last_modified=self._last_modified,
                # Entries made before the setting existed were accepted as they are.
                allow_http=data.get(CONF_ALLOW_HTTP, True),
            )
            if fetch.body is None:
                # Not modified: the stays last read, unparsed. It is still a good fetch,
                # so a stay missing from it goes on towards cancellation.
                return self._last_read
            now = dt_util.utcnow()
            read = await self.hass.async_add_executor_job(
                partial(
                    read_feed,
                    fetch.body,
                    dt_util.get_default_time_zone(),
                    self.checkin,
                    self.checkout,
                    horizon=(now - CALENDAR_LOOKBACK, now + CALENDAR_HORIZON),
                )
            )
            # Only a feed that parsed may skip the next parse.
            self._etag, self._last_modified = fetch.etag, fetch.last_modified
            self._last_read = read
            return read
        return FeedRead(
            await async_read_calendar(
                self.hass, data[CONF_CALENDAR], self.checkin, self.checkout
            )
        )


async def async_forget_entry(hass: HomeAssistant, entry_id: str) -> None:
    """Delete what a removed reservations entry saved, and its feed's repair."""
    await async_remove_saved(hass, entry_id)
    ir.async_delete_issue(hass, DOMAIN, _failing_issue_id(entry_id))


def _failing_issue_id(entry_id: str) -> str:
    return f"{ISSUE_FEED_FAILING}_{entry_id}"


def _nights(reservation: Reservation) -> int:
    return (reservation.end.date() - reservation.start.date()).days
