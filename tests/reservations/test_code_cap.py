"""A burst of new stays waits for the host beyond a few new codes per lock per run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.reservations.cap_gate import (
    ISSUE_TOO_MANY_NEW_CODES,
)
from custom_components.lockbooking.reservations.code_cap import (
    NEW_CODES_PER_LOCK_PER_RUN,
    NewCodeCap,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component

from .conftest import FEED_URL

FRONT = "demo_demo:front_door"


def _short_stays(count: int) -> str:
    """A feed of `count` two-hour bookings tomorrow, like a court's or a locker's."""
    start = datetime(2026, 8, 24, 6, 0, tzinfo=UTC)
    events = []
    for number in range(count):
        begin = start + timedelta(hours=number)
        events.append(
            "BEGIN:VEVENT\r\n"
            f"UID:slot-{number}@example.com\r\n"
            f"DTSTART:{begin:%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{begin + timedelta(hours=2):%Y%m%dT%H%M%SZ}\r\n"
            f"SUMMARY:Booking {number}\r\n"
            "END:VEVENT\r\n"
        )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Courts//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    )


def test_the_cap_admits_the_first_codes_then_holds_the_lock() -> None:
    cap = NewCodeCap(limit=2)
    wanted = [(f"s{n}", {"a", "b"}) for n in range(3)]
    assert cap.admit(wanted) == {"s0": {"a", "b"}, "s1": {"a", "b"}, "s2": set()}
    assert cap.held == {"a", "b"}
    # Still over: nothing more until the host lifts the hold.
    assert cap.admit(wanted[2:] * 3) == {"s2": set()}
    cap.lift()
    assert cap.admit(wanted[2:] * 3) == {"s2": {"a", "b"}}
    # A burst that is over releases the lock on its own.
    cap.held = {"a"}
    assert cap.admit([("s9", {"b"})]) == {"s9": {"b"}}
    assert cap.held == set()


async def test_a_burst_of_stays_waits_for_the_host(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    hass_client: ClientSessionGenerator,
) -> None:
    total = NEW_CODES_PER_LOCK_PER_RUN + 5
    issued = async_capture_events(hass, "lockbooking_code_issued")
    aioclient_mock.get(FEED_URL, text=_short_stays(total))
    entry = MockConfigEntry(
        domain="lockbooking",
        title="Courts",
        unique_id="reservations_courts",
        data={
            "kind": "reservations",
            "name": "Courts",
            "url": FEED_URL,
            "locks": [FRONT],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    def live() -> int:
        return sum(
            record.status is CodeStatus.ISSUED
            for record in hass.data[LEDGER].records(scope=entry.entry_id)
        )

    assert live() == NEW_CODES_PER_LOCK_PER_RUN == len(issued)
    issue_id = f"{ISSUE_TOO_MANY_NEW_CODES}_{entry.entry_id}"
    issue = issue_registry.async_get_issue("lockbooking", issue_id)
    assert issue is not None and issue.is_fixable
    assert issue.translation_placeholders["locks"] == "Front door"

    for _ in range(3):
        freezer.tick(timedelta(minutes=6))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert live() == NEW_CODES_PER_LOCK_PER_RUN

    # The host confirms in Repairs: the rest is issued.
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": "lockbooking", "issue_id": issue_id},
    )
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}")
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert live() == total
    assert issue_registry.async_get_issue("lockbooking", issue_id) is None
