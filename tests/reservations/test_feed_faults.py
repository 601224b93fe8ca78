"""Feed faults: whatever a booking feed does, no valid door code is revoked.

HTTP errors, timeouts, error pages, an empty calendar, a feed that briefly drops every
stay, a truncated file, a 20 MB file and regenerated UIDs, through a real reservations
entry on the demo account, asserting on the code ledger and the vendor's codes. Then
Hypothesis: random and mutated iCal text never makes the parser raise anything but
`FeedError`, nor the integration raise in the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
import logging
import re
import time as clock
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.code_record import CodeRecord, CodeStatus
from custom_components.lockbooking.ledger import LEDGER, CodeLedger
from custom_components.lockbooking.models import Reservation
from custom_components.lockbooking.reservations.coordinator import (
    FEED_FAILING_REPAIR_AFTER,
    ReservationsCoordinator,
)
from custom_components.lockbooking.reservations.feed import (
    EARLIEST_STAY,
    LATEST_STAY,
    MAX_DESCRIPTION_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_UID_CHARS,
    parse_feed,
    phone_last4,
)
from custom_components.lockbooking.reservations.feed_fetch import (
    MAX_FEED_BYTES,
    FeedError,
)
from custom_components.lockbooking.reservations.stays import renamed_stays
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.components.calendar.const import DATA_COMPONENT as CALENDARS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.setup import async_setup_component

from ..helpers import (
    FEED_URL,
    FIRST_UID,
    FIXTURES,
    SECOND_UID,
    feed,
    without_event,
)

pytestmark = pytest.mark.fault
FEEDS = FIXTURES / "ics"
VIENNA = ZoneInfo("Europe/Vienna")
WIDE = ("2026-01-01T00:00:00+01:00", "2028-01-01T00:00:00+01:00")
NEW_UID = "1418fb94e984-00000000000000000000000000000001@airbnb.com"

# ------------------------------------------------------------------------ helpers


@dataclass
class Stays:
    """A set-up reservations entry: its ledger, the demo vendor and what happened."""

    hass: HomeAssistant
    entry: MockConfigEntry
    mock: AiohttpClientMocker
    freezer: FrozenDateTimeFactory
    issued: list[Any]
    revoked: list[Any]

    @property
    def coordinator(self) -> ReservationsCoordinator:
        return self.entry.runtime_data.coordinator

    @property
    def ledger(self) -> CodeLedger:
        return self.hass.data[LEDGER]

    @property
    def vendor(self) -> DemoVendor:
        return self.hass.config_entries.async_entries("lockbooking")[
            0
        ].runtime_data.vendor

    def codes(self) -> dict[str, tuple[str, str, str | None, str | None]]:
        """The ledger as (uid, status, code, vendor id) per uid and lock."""
        return {
            record.key: (record.uid, record.status.value, record.code, record.vendor_id)
            for record in self.ledger.records()
        }

    def vendor_codes(self) -> dict[str, tuple[str, str]]:
        return {vid: (c.lock_id, c.code) for vid, c in self.vendor._codes.items()}

    def serve(self, **response: Any) -> None:
        """What the feed's address answers from now on."""
        self.mock.clear_requests()
        self.mock.get(FEED_URL, **response)

    async def refresh(self, times: int = 1) -> None:
        """Let the refresh interval pass, as often as asked."""
        for _ in range(times):
            self.freezer.tick(timedelta(minutes=31))
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done(wait_background_tasks=True)

    async def calendar(self) -> list[dict[str, Any]]:
        response = await self.hass.services.async_call(
            "calendar",
            "get_events",
            {
                "entity_id": "calendar.seaside_flat",
                "start_date_time": WIDE[0],
                "end_date_time": WIDE[1],
            },
            blocking=True,
            return_response=True,
        )
        return response["calendar.seaside_flat"]["events"]


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """The reservations entry's options: the defaults unless a test says otherwise."""
    return {}


@pytest.fixture
def feed_entry(
    init_demo: MockConfigEntry, entry_options: dict[str, Any]
) -> MockConfigEntry:
    """A reservations entry on two demo locks, automatic mode on (the default)."""
    return MockConfigEntry(
        options=entry_options,
        domain="lockbooking",
        title="Seaside flat",
        unique_id="reservations_feed_faults",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": ["demo_demo:front_door", "demo_demo:cabin"],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
    )


async def set_up(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    body: str,
) -> Stays:
    """Set the entry up on a feed answering `body`."""
    aioclient_mock.get(FEED_URL, text=body)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return Stays(
        hass,
        entry,
        aioclient_mock,
        freezer,
        async_capture_events(hass, "lockbooking_code_issued"),
        async_capture_events(hass, "lockbooking_code_revoked"),
    )


@pytest.fixture
async def stays(
    hass: HomeAssistant,
    feed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> Stays:
    """The Airbnb sample on the demo locks: the first stay's codes are issued."""
    result = await set_up(hass, feed_entry, aioclient_mock, freezer, feed())
    assert {uid for uid, status, *_ in result.codes().values()} == {FIRST_UID}
    assert {status for _, status, *_ in result.codes().values()} == {"issued"}
    assert len(result.vendor_codes()) == 2
    return result


async def assert_nothing_changes(stays: Stays, refreshes: int = 3) -> None:
    """Across refreshes: same ledger, same vendor codes, same calendar, no event."""
    codes, vendor_codes, events = (
        stays.codes(),
        stays.vendor_codes(),
        await stays.calendar(),
    )
    with (
        patch.object(DemoVendor, "async_issue_code", autospec=True) as issue,
        patch.object(DemoVendor, "async_revoke_code", autospec=True) as revoke,
    ):
        await stays.refresh(refreshes)
    issue.assert_not_called()
    revoke.assert_not_called()
    assert stays.codes() == codes
    assert stays.vendor_codes() == vendor_codes
    assert await stays.calendar() == events
    assert not stays.issued
    assert not stays.revoked
    assert stays.entry.state is ConfigEntryState.LOADED
    assert stays.hass.states.get("calendar.seaside_flat").state != "unavailable"


def failure_key(stays: Stays) -> str | None:
    """The translation key of the last refresh's error, None if it worked."""
    coordinator = stays.coordinator
    if coordinator.last_update_success:
        return None
    return coordinator.last_exception.translation_key  # type: ignore[union-attr]


def as_blocks(ics: str) -> str:
    """Every stay turned into an Airbnb "Not available" block, as Airbnb has served."""
    return ics.replace("SUMMARY:Reserved", "SUMMARY:Airbnb (Not available)")


def past_stay(ics: str) -> str:
    """The feed with one more stay, ended a week ago (Airbnb keeps past stays)."""
    past = "\r\n".join(
        [
            "BEGIN:VEVENT",
            "DTSTAMP:20260822T073647Z",
            "DTSTART;VALUE=DATE:20260810",
            "DTEND;VALUE=DATE:20260816",
            "SUMMARY:Reserved",
            "UID:1418fb94e984-past0000000000000000000000000000@airbnb.com",
            "DESCRIPTION:Phone Number (Last 4 Digits): 1111",
            "END:VEVENT",
            "",
        ]
    )
    return ics.replace("BEGIN:VEVENT", past + "BEGIN:VEVENT", 1)


def first_stay_last(ics: str) -> str:
    """The same feed with the first stay's VEVENT written last."""
    head, *blocks = ics.split("BEGIN:VEVENT")
    first = next(b for b in blocks if FIRST_UID in b)
    rest = [b for b in blocks if b is not first]
    rest[-1], tail = rest[-1].split("END:VCALENDAR")
    return "BEGIN:VEVENT".join([head, *rest, first.replace("END:VCALENDAR", "")]) + (
        "END:VCALENDAR" + tail
    )


def cal(*lines: str) -> str:
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Test//EN",
            *lines,
            "END:VCALENDAR",
            "",
        ]
    )


def parse(text: str) -> list[Reservation]:
    return parse_feed(text, VIENNA, time(16), time(11))


# ------------------------------------------------------------- HTTP and transport


@pytest.mark.parametrize(
    ("response", "key"),
    [
        *(
            pytest.param(
                {"status": status, "text": "<html>Error</html>"},
                "feed_http_error",
                id=str(status),
            )
            for status in (401, 403, 404, 410, 429, 500, 502, 503)
        ),
        pytest.param({"exc": TimeoutError()}, "feed_timeout", id="timeout"),
        pytest.param(
            {"exc": aiohttp.ServerTimeoutError()}, "feed_timeout", id="read-timeout"
        ),
        pytest.param(
            {"exc": aiohttp.ClientConnectionError()}, "feed_unreachable", id="refused"
        ),
        pytest.param(
            {"exc": aiohttp.ServerDisconnectedError()},
            "feed_unreachable",
            id="disconnected",
        ),
        pytest.param(
            {"exc": aiohttp.ClientPayloadError()}, "feed_unreachable", id="cut-transfer"
        ),
        pytest.param(
            {"exc": aiohttp.TooManyRedirects(None, ())},
            "feed_unreachable",
            id="redirect-loop",
        ),
        # A redirect that ends on the platform's login or error page: 200 and HTML.
        pytest.param(
            {"text": (FEEDS / "error-page.html").read_text()},
            "feed_malformed",
            id="html-page",
        ),
        pytest.param(
            {"status": 302, "headers": {"Location": ""}},
            "feed_http_error",
            id="dead-end-302",
        ),
        pytest.param({"status": 204}, "feed_malformed", id="no-content"),
    ],
)
async def test_fetch_faults_keep_stays_and_codes(
    stays: Stays, response: dict[str, Any], key: str
) -> None:
    """A failing feed changes nothing; the calendar keeps the last good stays."""
    stays.serve(**response)

    await assert_nothing_changes(stays)

    assert failure_key(stays) == key


async def test_feed_failing_for_hours_raises_a_repair_then_clears(
    stays: Stays, issue_registry: ir.IssueRegistry
) -> None:
    """A feed address that stopped working is reported; the report goes when it works."""
    issue_id = f"feed_failing_{stays.entry.entry_id}"
    stays.serve(status=404)
    refreshes = FEED_FAILING_REPAIR_AFTER // timedelta(minutes=31)

    await stays.refresh(refreshes)
    assert issue_registry.async_get_issue("lockbooking", issue_id) is None

    await stays.refresh(2)
    issue = issue_registry.async_get_issue("lockbooking", issue_id)
    assert issue is not None
    assert issue.translation_key == "feed_failing"
    assert issue.translation_placeholders["entry"] == "Seaside flat"
    assert issue.translation_placeholders["since"] == "2026-08-23T12:31+02:00"
    reason = issue.translation_placeholders["reason"]
    assert (
        reason
        == "The reservations feed answered with an error: HTTP 404 from www.airbnb.com"
    )
    assert "secret-token" not in reason

    stays.serve(text=feed())
    await stays.refresh()
    assert issue_registry.async_get_issue("lockbooking", issue_id) is None
    assert not stays.revoked


async def test_feed_failing_repair_goes_with_the_entry(
    hass: HomeAssistant, stays: Stays, issue_registry: ir.IssueRegistry
) -> None:
    stays.serve(exc=TimeoutError())
    await stays.refresh(14)
    assert issue_registry.async_get_issue(
        "lockbooking", f"feed_failing_{stays.entry.entry_id}"
    )

    assert await hass.config_entries.async_unload(stays.entry.entry_id)

    assert not issue_registry.async_get_issue(
        "lockbooking", f"feed_failing_{stays.entry.entry_id}"
    )


# --------------------------------------------------------- empty and dropped feeds


@pytest.mark.parametrize(
    "body",
    [
        pytest.param((FEEDS / "empty-calendar.ics").read_text(), id="no-vevent"),
        pytest.param(as_blocks(feed()), id="only-not-available-blocks"),
        pytest.param(
            without_event(without_event(feed(), FIRST_UID), SECOND_UID).replace(
                "SUMMARY:Reserved", "SUMMARY:Blocked"
            ),
            id="stays-gone-rest-blocked",
        ),
    ],
)
async def test_feed_without_stays_revokes_nothing(stays: Stays, body: str) -> None:
    """An empty calendar, or one of blocks only, is a glitch however long it lasts."""
    stays.serve(text=body)

    await assert_nothing_changes(stays, refreshes=4)

    assert failure_key(stays) is None


async def test_brief_total_drop_then_back(stays: Stays) -> None:
    """Blocks only for two fetches, then the stays again: the codes never moved."""
    codes = stays.codes()
    stays.serve(text=as_blocks(feed()))
    await stays.refresh(2)
    stays.serve(text=feed())
    await stays.refresh(2)

    assert stays.codes() == codes
    assert not stays.revoked
    assert not stays.issued


async def test_drop_leaving_only_ended_stays_revokes_nothing(
    hass: HomeAssistant,
    feed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Airbnb keeps past stays in its export: those alone are no sign of cancellations."""
    stays = await set_up(hass, feed_entry, aioclient_mock, freezer, past_stay(feed()))
    assert len(stays.vendor_codes()) == 2
    glitch = past_stay(as_blocks(feed()))
    assert [r.summary for r in parse(glitch)].count("Reserved") == 1
    stays.serve(text=glitch)

    await assert_nothing_changes(stays)


# ------------------------------------------------------------------------ truncated


def cuts() -> list[Any]:
    text = first_stay_last(feed())
    last_vevent = text.rindex("BEGIN:VEVENT")
    description = text.index("DESCRIPTION", last_vevent)
    return [
        pytest.param(text[:last_vevent], id="before-the-last-vevent"),
        pytest.param(text[: text.rindex("END:VCALENDAR")], id="no-end-vcalendar"),
        pytest.param(text[: text.rindex("END:VCALENDAR") + 8], id="end-vcalendar-cut"),
        pytest.param(text[: description + 40], id="mid-description"),
        pytest.param(text[: text.index("END:VEVENT", last_vevent)], id="no-end-vevent"),
        pytest.param(text[: len(text) // 2], id="half"),
    ]


@pytest.mark.parametrize("body", cuts())
async def test_truncated_feed_is_a_feed_error(stays: Stays, body: str) -> None:
    """A cut file is not a good fetch that lacks the stays after the cut."""
    assert FIRST_UID not in body or "END:VCALENDAR" not in body
    stays.serve(text=body)

    await assert_nothing_changes(stays)

    assert failure_key(stays) == "feed_malformed"


# ---------------------------------------------------------------------------- size


def huge_feed() -> bytes:
    """20 MB of well-formed iCal without the first stay: only the cap refuses it."""
    padding = "".join(f"X-PADDING:{'x' * 1024}\n" for _ in range(20 * 1024))
    text = without_event(feed(), FIRST_UID).replace(
        "VERSION:2.0\n", "VERSION:2.0\n" + padding
    )
    assert len(text) > 20 * 1024 * 1024 > MAX_FEED_BYTES
    return text.encode()


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: {"Content-Length": str(len(body))}, id="announced"),
        pytest.param(lambda body: {"Transfer-Encoding": "chunked"}, id="chunked"),
        pytest.param(lambda body: {"Content-Length": "1000"}, id="lying-length"),
    ],
)
async def test_20_mb_feed_is_refused(stays: Stays, headers: Any) -> None:
    body = huge_feed()
    stays.serve(content=body, headers=headers(body))

    await assert_nothing_changes(stays)

    assert failure_key(stays) == "feed_too_large"


# ---------------------------------------------------------------------- new uids


def renamed(ics: str, old: str, new: str) -> str:
    assert old in ics
    return ics.replace(old, new)


async def test_regenerated_uid_keeps_the_code(stays: Stays) -> None:
    """Same dates, same guest, new UID: the codes follow, nothing is sent or revoked."""
    before = stays.codes()
    stays.serve(text=renamed(feed(), FIRST_UID, NEW_UID))

    with (
        patch.object(DemoVendor, "async_issue_code", autospec=True) as issue,
        patch.object(DemoVendor, "async_revoke_code", autospec=True) as revoke,
    ):
        await stays.refresh(3)

    issue.assert_not_called()
    revoke.assert_not_called()
    assert not stays.issued
    assert not stays.revoked
    after = stays.codes()
    assert {uid for uid, *_ in after.values()} == {NEW_UID}
    assert sorted(code for *_, code in after.values()) == sorted(
        code for *_, code in before.values()
    )
    assert [(u, s, c) for u, s, c, _ in after.values()] == [
        (NEW_UID, s, c) for _, s, c, _ in before.values()
    ]
    assert all(stays.ledger.get(FIRST_UID, key.split("|")[1]) is None for key in before)
    assert FIRST_UID not in stays.coordinator.data
    assert next(iter(stays.coordinator.data)) == NEW_UID
    assert "Front door: issued" in (await stays.calendar())[0]["description"]


async def test_uids_regenerated_on_every_fetch(stays: Stays) -> None:
    """A platform that makes up new UIDs each time: still the same stays and codes."""
    vendor_codes = stays.vendor_codes()
    uids = re.findall(r"UID:(\S+)", feed())
    for round_ in range(3):
        text = feed()
        for uid in uids:
            text = text.replace(uid, f"{round_}-{uid}")
        stays.serve(text=text)
        await stays.refresh()

    assert {uid for uid, *_ in stays.codes().values()} == {f"2-{FIRST_UID}"}
    assert stays.vendor_codes() == vendor_codes
    assert not stays.issued
    assert not stays.revoked


async def test_new_uid_for_another_guest_is_a_new_stay(stays: Stays) -> None:
    """Same dates, another booking: the old code goes, the new guest gets one."""
    other = (
        renamed(feed(), FIRST_UID, NEW_UID)
        .replace("Digits): 4144", "Digits): 9876")
        .replace("HMY1D6SD91", "HMOTHER999")
    )
    stays.serve(text=other)

    await stays.refresh(2)

    assert [e.data["uid"] for e in stays.revoked] == [FIRST_UID]
    assert [e.data["uid"] for e in stays.issued] == [NEW_UID]
    assert (
        stays.ledger.get(FIRST_UID, "demo_demo:front_door").status is CodeStatus.REVOKED
    )


async def test_new_uid_with_other_dates_is_a_new_stay(stays: Stays) -> None:
    moved = renamed(feed(), FIRST_UID, NEW_UID).replace(
        "DTEND;VALUE=DATE:20260902", "DTEND;VALUE=DATE:20260901", 1
    )
    stays.serve(text=moved)

    await stays.refresh(2)

    assert [e.data["uid"] for e in stays.revoked] == [FIRST_UID]
    assert [e.data["uid"] for e in stays.issued] == [NEW_UID]


async def test_uid_change_waits_while_a_code_is_being_issued(stays: Stays) -> None:
    """A record whose vendor call is under way is not moved from under it."""
    front = stays.ledger.get(FIRST_UID, "demo_demo:front_door")
    await stays.ledger.async_put(front.evolve(status=CodeStatus.PENDING))
    cabin = stays.ledger.get(FIRST_UID, "demo_demo:cabin")
    stays.serve(text=renamed(feed(), FIRST_UID, NEW_UID))

    await stays.coordinator.async_refresh()

    # Not moved (automatic mode may settle the pending record meanwhile, under its uid).
    assert stays.ledger.get(FIRST_UID, "demo_demo:front_door") is not None
    assert stays.ledger.get(FIRST_UID, "demo_demo:cabin") == cabin
    assert NEW_UID in stays.coordinator.data
    assert FIRST_UID in stays.coordinator.data  # missing once: not cancelled yet
    await stays.hass.async_block_till_done(wait_background_tasks=True)


def stay(
    uid: str,
    phone: str | None = None,
    summary: str = "Reserved",
    day: int = 24,
    reference: str | None = None,
) -> Reservation:
    start = datetime(2026, 8, day, 16, tzinfo=VIENNA)
    return Reservation(
        uid, summary, start, start + timedelta(days=3), None, phone, reference
    )


@pytest.mark.parametrize(
    ("known", "present", "pairs"),
    [
        ([stay("a", "1111")], [stay("b", "1111")], {"a": "b"}),
        # Dates and summary alone name no booking (Booking.com: every one alike).
        ([stay("a")], [stay("b")], {}),
        ([stay("a", reference="HM1")], [stay("b", reference="HM1")], {"a": "b"}),
        ([stay("a", reference="HM1")], [stay("b", reference="HM2")], {}),
        # The booking's reference outweighs the phone digits, either way.
        (
            [stay("a", "1111", reference="HM1")],
            [stay("b", "1111", reference="HM2")],
            {},
        ),
        (
            [stay("a", "1111", reference="HM1")],
            [stay("b", "2222", reference="HM1")],
            {"a": "b"},
        ),
        ([stay("a", reference="HM1")], [stay("b", "1111")], {}),
        ([stay("a", "1111")], [stay("b", "2222")], {}),
        ([stay("a")], [stay("b", summary="Reserved - Jo")], {}),
        (
            [stay("a", "1111")],
            [stay("b", summary="Reserved - Jo", phone="1111")],
            {"a": "b"},
        ),
        ([stay("a")], [stay("b", day=25)], {}),
        # Two gone or two new that fit: no guessing.
        ([stay("a", "1111"), stay("b", "1111")], [stay("c", "1111")], {}),
        ([stay("a", "1111")], [stay("b", "1111"), stay("c", "1111")], {}),
        (
            [stay("a", "1111"), stay("b", "2222")],
            [stay("c", "2222"), stay("d", "1111")],
            {"a": "d", "b": "c"},
        ),
        ([stay("a"), stay("b", "1111")], [stay("c")], {}),
        # Still there under its uid: not renamed, whatever else appears.
        ([stay("a", "1111")], [stay("a", "1111"), stay("b", "1111")], {}),
    ],
)
def test_which_new_uids_are_the_same_stay(
    known: list[Reservation], present: list[Reservation], pairs: dict[str, str]
) -> None:
    assert (
        renamed_stays({r.uid: r for r in known}, {r.uid: r for r in present}) == pairs
    )


async def test_ledger_rekey_moves_records_and_keeps_collisions(
    hass: HomeAssistant, stays: Stays
) -> None:
    ledger = stays.ledger
    cabin = ledger.get(FIRST_UID, "demo_demo:cabin")
    scope = cabin.scope
    await ledger.async_put(
        CodeRecord(
            scope=scope,
            uid=NEW_UID,
            lock_key="demo_demo:cabin",
            lock_name="Cabin",
            name="Guest",
            requested_start=cabin.requested_start,
            requested_end=cabin.requested_end,
            status=CodeStatus.FAILED,
        )
    )

    moved = await ledger.async_rekey(FIRST_UID, NEW_UID, scope)

    assert [(r.uid, r.lock_key) for r in moved] == [(NEW_UID, "demo_demo:front_door")]
    assert ledger.get(FIRST_UID, "demo_demo:front_door") is None
    assert ledger.get(FIRST_UID, "demo_demo:cabin") == cabin
    assert ledger.get(NEW_UID, "demo_demo:cabin").status is CodeStatus.FAILED
    # Saved: a new ledger reads the same records back.
    reloaded = CodeLedger(hass)
    await reloaded.async_load()
    assert [(r.uid, r.lock_key) for r in reloaded.records()] == [
        (r.uid, r.lock_key) for r in ledger.records()
    ]
    assert await ledger.async_rekey("nobody", "else") == []


# ------------------------------------------------------------ what a feed may hold


def raised(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """The log records with a traceback, but a coordinator's own record of a refusal.

    Home Assistant 2026.11's coordinator logs the UpdateFailed it is given at debug level
    with its traceback ("Full error:"): that is the feed refused, not an error raised.
    """
    return [
        record
        for record in records
        if record.exc_info and record.exc_info[0] is not UpdateFailed
    ]


async def test_absurd_dates_cost_their_event_only(
    stays: Stays, caplog: pytest.LogCaptureFixture
) -> None:
    """A stay from year 1 to 9999 would overflow lead times and margins downstream.

    That event is skipped and reported; its stay is unknown, not cancelled, and the
    feed's other stays keep updating.
    """
    known = dict(stays.coordinator.data)
    absurd = feed().replace(
        "DTSTART;VALUE=DATE:20260824", "DTSTART;VALUE=DATE:00010101", 1
    )
    absurd = absurd.replace("DTEND;VALUE=DATE:20260902", "DTEND;VALUE=DATE:99991230", 1)
    stays.serve(text=absurd)

    await assert_nothing_changes(stays)

    assert failure_key(stays) is None
    assert stays.coordinator.data == known
    assert [(s.uid, s.reason) for s in stays.coordinator.skipped] == [
        (FIRST_UID, "DTSTART is out of range")
    ]
    assert not raised(caplog.records)


@pytest.mark.parametrize(
    ("dtstart", "dtend", "reason"),
    [
        (
            "DTSTART;VALUE=DATE:00010101",
            "DTEND;VALUE=DATE:20260101",
            "DTSTART is out of range",
        ),
        (
            "DTSTART;VALUE=DATE:18991231",
            "DTEND;VALUE=DATE:19000105",
            "DTSTART is out of range",
        ),
        (
            "DTSTART;VALUE=DATE:20260101",
            "DTEND;VALUE=DATE:99991230",
            "DTEND is out of range",
        ),
        (
            "DTSTART:00010101T000000Z",
            "DTEND:20260101T000000Z",
            "DTSTART is out of range",
        ),
        (
            "DTSTART;VALUE=DATE:29991231",
            "DTEND;VALUE=DATE:30000105",
            "DTEND is out of range",
        ),
        (
            "DTSTART;VALUE=DATE:29991231",
            "DTEND;VALUE=DATE:29991231",
            "dates out of range",
        ),
    ],
)
def test_dates_out_of_range_are_unreadable(
    dtstart: str, dtend: str, reason: str
) -> None:
    text = cal("BEGIN:VEVENT", "UID:x", dtstart, dtend, "END:VEVENT")
    with pytest.raises(FeedError) as err:
        parse(text)
    assert (err.value.key, err.value.detail) == ("feed_unreadable", f"{reason} (1)")


def test_huge_texts_are_bounded() -> None:
    """A 60 kB summary, description and UID: stays keep bounded texts, the uid is stable.

    (Past 64 KiB a line is not read at all: `test_feed_bounds`.)
    """
    summary = "Not available" + " " * 60_000 + "x"
    description = "Phone Number (Last 4 Digits)" + " " * 60_000 + "4144"
    uid = "u" * 60_000
    text = cal(
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTART;VALUE=DATE:20260824",
        "DTEND;VALUE=DATE:20260902",
        f"SUMMARY:{summary}",
        f"DESCRIPTION:{description}",
        "END:VEVENT",
    )

    (res,) = parse(text)

    assert res.summary == "Not available"
    assert len(res.description) == MAX_DESCRIPTION_CHARS
    assert res.phone_last4 is None  # cut off before the digits
    assert len(res.uid) <= MAX_UID_CHARS
    assert parse(text)[0].uid == res.uid
    long_summary = "Reserved - " + "Ana " * 1000
    (named,) = parse(text.replace(summary, long_summary))
    assert named.summary == long_summary[:MAX_SUMMARY_CHARS].rstrip()


class SourceCalendar(CalendarEntity):
    """A Home Assistant calendar (a remote iCal calendar, say) used as the source."""

    _attr_name = "Source"

    def __init__(self, events: list[CalendarEvent]) -> None:
        self.events = events

    @property
    def event(self) -> CalendarEvent | None:
        return None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        return self.events


async def test_calendar_source_is_bounded_too(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    """A calendar entity's events pass the same bounds as a feed's."""
    assert await async_setup_component(hass, "calendar", {})
    stay = CalendarEvent(
        start=date(2026, 8, 24),
        end=date(2026, 9, 2),
        summary="Reserved " + "x" * 100_000,
        description="Phone Number (Last 4 Digits): 4144" + " " * 100_000,
        uid="u" * 100_000,
    )
    source = SourceCalendar([stay])
    await hass.data[CALENDARS].async_add_entities([source])
    entry = MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        unique_id="reservations_from_a_calendar",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "calendar": "calendar.source",
            "locks": ["demo_demo:front_door"],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator
    (res,) = coordinator.data.values()
    assert len(res.summary) == MAX_SUMMARY_CHARS
    assert len(res.description) == MAX_DESCRIPTION_CHARS
    assert len(res.uid) <= MAX_UID_CHARS
    assert res.phone_last4 == "4144"

    source.events = [
        stay,
        CalendarEvent(date(1, 1, 1), date(2026, 8, 30), "Reserved", uid="x"),
    ]
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not coordinator.last_update_success
    assert coordinator.last_exception.translation_key == "feed_malformed"
    assert list(coordinator.data.values()) == [res]
    assert entry.state is ConfigEntryState.LOADED


def test_phone_digits_search_is_linear() -> None:
    """Two adjacent optional runs backtrack quadratically: 50 000 spaces took ~40 s."""
    hostile = "Phone number (last 4 digits)" + " " * 50_000 + "x"
    started = clock.perf_counter()
    assert phone_last4(hostile) is None
    assert clock.perf_counter() - started < 2
    assert phone_last4("Phone Number (Last 4 Digits) : : 4144") == "4144"


# ---------------------------------------------------------------------- property

SAMPLES = [
    (FEEDS / name).read_bytes()
    for name in (
        "airbnb-1.0.ics",
        "airbnb-0.8.8.ics",
        "booking-com.ics",
        "timed-vtimezone.ics",
        "timed-utc-floating.ics",
        "quirks-airbnb-style.ics",
        "missing-uid.ics",
    )
]
ENCODINGS = ["utf-8", "utf-16", "utf-16-be", "latin-1", "cp1252", "utf-8-sig", "utf-32"]

years = st.one_of(
    st.integers(1, 9999).map(lambda y: f"{y:04d}"),
    st.sampled_from(["0000", "-001", "99999", "20x6", ""]),
)
day_parts = st.tuples(
    years,
    st.integers(0, 13).map("{:02d}".format),
    st.integers(0, 32).map("{:02d}".format),
).map("".join)
clock_parts = st.tuples(
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.sampled_from(["", "Z"]),
).map(lambda t: f"T{t[0]:02d}{t[1]:02d}{t[2]:02d}{t[3]}")
params = st.sampled_from(
    ["", ";VALUE=DATE", ";VALUE=DATE-TIME", ";TZID=Europe/Vienna", ";TZID=Mars/Olympus",
     ";TZID=\"W. Europe Standard Time\"", ";X-JUNK=\"a;b:c\"", ";VALUE=PERIOD"]
)  # fmt: skip
moments = st.tuples(params, day_parts, st.one_of(st.just(""), clock_parts)).map(
    lambda p: f"{p[0]}:{p[1]}{p[2]}"
)
junk_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=40
)
odd_properties = st.sampled_from(
    ["RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY;COUNT=-3", "RRULE:FREQ=YEARLY;UNTIL=99991231",
     "RRULE:FREQ=SOMETIMES", "RRULE:", "EXDATE:20260101", "DURATION:P9999W",
     "DURATION:-P1D", "DURATION:PT0S", "DURATION:Px", "STATUS:CANCELLED",
     "SEQUENCE:-1", "UID:", "UID:dup@test", "SUMMARY:Airbnb (Not available)",
     "SUMMARY:Reserved", "DESCRIPTION:Phone Number (Last 4 Digits): 4144",
     "BEGIN:VALARM", "END:VALARM", "ATTENDEE;CN=\"x\":mailto:a@b", "GEO:1;x"]
)  # fmt: skip
properties = st.one_of(
    moments.map("DTSTART{}".format),
    moments.map("DTEND{}".format),
    moments.map("RECURRENCE-ID{}".format),
    odd_properties,
    junk_text.map("SUMMARY:{}".format),
    junk_text.map("DESCRIPTION:{}".format),
    junk_text.map("UID:{}".format),
    junk_text.map("X-GARBAGE;P=1:{}".format),
    junk_text.map(" {}".format),  # a continuation line
    junk_text,
)


any_day = st.one_of(
    st.dates(date(2026, 8, 1), date(2026, 10, 1)),  # around now: codes get issued
    st.dates(),  # anywhere from year 1 to 9999
    st.sampled_from([date.min, date.max, date(1899, 12, 31), date(3000, 1, 1)]),
)


def ical_day(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


@st.composite
def plausible_event(draw: st.DrawFn) -> list[str]:
    """A VEVENT shaped like a booking, with any dates and a few odd extras."""
    start = draw(any_day)
    days = draw(st.integers(-3, 400))
    try:
        end = draw(st.sampled_from([start + timedelta(days=days), draw(any_day)]))
    except OverflowError:
        end = date.max
    if draw(st.booleans()):
        dates = [f"DTSTART;VALUE=DATE:{ical_day(start)}"]
        ends = [f"DTEND;VALUE=DATE:{ical_day(end)}", f"DURATION:P{days}D", None]
    else:
        zone = draw(st.sampled_from(["Z", "", ";TZID=Europe/Vienna"]))
        at, clock_ = (zone, "") if zone.startswith(";") else ("", zone)
        dates = [f"DTSTART{at}:{ical_day(start)}T150000{clock_}"]
        ends = [
            f"DTEND{at}:{ical_day(end)}T100000{clock_}",
            f"DURATION:PT{days}H",
            None,
        ]
    if (dtend := draw(st.sampled_from(ends))) is not None:
        dates.append(dtend)
    extras = draw(
        st.lists(odd_properties | junk_text.map("SUMMARY:{}".format), max_size=2)
    )
    uid = draw(st.sampled_from(["", f"UID:{draw(st.integers(0, 5))}@test"]))
    return ["BEGIN:VEVENT", "SUMMARY:Reserved", uid, *dates, *extras, "END:VEVENT"]


@st.composite
def generated_feed(draw: st.DrawFn) -> str:
    """A calendar of VEVENTs with random, often absurd, properties."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Hypothesis//EN"]
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 3)):
            lines += [line for line in draw(plausible_event()) if line]
        else:
            lines += [
                "BEGIN:VEVENT",
                *draw(st.lists(properties, max_size=8)),
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return draw(st.sampled_from(["\r\n", "\n", "\r"])).join(lines)


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    """A real feed's bytes, re-encoded, cut, with lines shuffled or replaced."""
    text = draw(st.sampled_from(SAMPLES)).decode()
    lines = text.splitlines()
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        match draw(st.sampled_from(["swap", "replace", "drop", "insert"])):
            case "swap":
                other = draw(st.integers(0, len(lines) - 1))
                lines[index], lines[other] = lines[other], lines[index]
            case "replace":
                lines[index] = draw(properties)
            case "drop":
                del lines[index]
            case "insert":
                lines.insert(index, draw(properties))
        if not lines:
            break
    data = "\r\n".join(lines).encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


feed_bodies = st.one_of(
    mutated_sample(),
    generated_feed().map(str.encode),
    generated_feed().map(str.encode),
    st.binary(max_size=300),
)


def extreme_stay(start: str, end: str) -> bytes:
    """A feed of one stay under way now, from or to the end of the calendar."""
    return cal(
        "BEGIN:VEVENT",
        "UID:extreme@test",
        "SUMMARY:Reserved",
        f"DTSTART;VALUE=DATE:{start}",
        f"DTEND;VALUE=DATE:{end}",
        "END:VEVENT",
    ).encode()


PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check_parse(text: str) -> None:
    """A list of bounded, well-formed stays, or FeedError: never anything else."""
    try:
        result = parse(text)
    except FeedError as err:
        result, key = [], err.key
    else:
        key = None
    assert key in (None, "feed_malformed", "feed_unreadable", "feed_too_complex")
    for res in result:
        assert EARLIEST_STAY <= res.start < res.end <= LATEST_STAY
        assert len(res.summary) <= MAX_SUMMARY_CHARS
        assert len(res.description or "") <= MAX_DESCRIPTION_CHARS
    assert len({res.uid for res in result}) == len(result)


@PROPERTY
@given(generated_feed())
def test_generated_feeds_parse_or_raise_feed_error(text: str) -> None:
    check_parse(text)


@PROPERTY
@given(mutated_sample())
def test_mutated_samples_parse_or_raise_feed_error(data: bytes) -> None:
    check_parse(data.decode("utf-8", errors="replace"))


@PROPERTY
@given(body=feed_bodies)
@example(body=extreme_stay("00010101", "20260830"))
@example(body=extreme_stay("20260822", "99991231"))
@pytest.mark.parametrize(
    "entry_options", [{"margin_before_minutes": 1440, "margin_after_minutes": 1440}]
)
async def test_any_feed_body_never_raises_in_the_event_loop(
    stays: Stays, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    """Through the whole refresh: the entry stays loaded, nothing unexpected is logged."""
    caplog.clear()
    stays.serve(content=body)

    await stays.coordinator.async_refresh()
    await stays.hass.async_block_till_done(wait_background_tasks=True)

    assert stays.entry.state is ConfigEntryState.LOADED
    assert isinstance(stays.coordinator.data, dict)
    if not stays.coordinator.last_update_success:
        assert isinstance(stays.coordinator.last_exception.__cause__, FeedError)
    unexpected = [
        record
        for record in caplog.records
        if record in raised(caplog.records) or record.levelno >= logging.ERROR
    ]
    unexpected = [
        r for r in unexpected if not r.getMessage().startswith("Error fetching")
    ]
    assert not unexpected, [r.getMessage() for r in unexpected]
    assert stays.hass.states.get("calendar.seaside_flat").state != "unavailable"
