"""A stay under a new uid inherits a door code only when it is the same booking.

Through a reservations entry on the demo account: Booking.com gives every booking the
same summary and no description, so a new guest on a cancelled guest's nights is a new
stay with a code of its own; Airbnb's reservation link says it is the same booking.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.lockbooking.code_record import CodeStatus
from custom_components.lockbooking.diagnostics import async_get_config_entry_diagnostics
from custom_components.lockbooking.ledger import LEDGER
from homeassistant.core import HomeAssistant

from .conftest import FEED_URL, FIRST_UID, feed

# The front door takes revocable keypad codes.
LOCKS = ["demo_demo:front_door"]
GUEST_A = "a1b2c3d4e5f60718293a4b5c6d7e8f90@booking.com"
GUEST_B = "0f9e8d7c6b5a49382716f5e4d3c2b1a0@booking.com"
LATER = "fffa52e5723c8cb7b7e9b80b2c25df09@booking.com"


def booking_com(*uids: str) -> str:
    """A Booking.com export: every booking "CLOSED - Not available", no description."""
    events = {
        uid: ("20260824", "20260828") if uid != LATER else ("20270731", "20270807")
        for uid in uids
    }
    return "".join(
        [
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
            "PRODID:-//admin.booking.com\\\\\\, b.v.//NONSGML v1.0//EN\r\n"
            "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n",
            *(
                "BEGIN:VEVENT\r\nDTSTAMP:20260822T073647Z\r\n"
                f"DTSTART;VALUE=DATE:{start}\r\nDTEND;VALUE=DATE:{end}\r\n"
                f"UID:{uid}\r\nSUMMARY:CLOSED - Not available\r\n"
                "ORGANIZER:mailto:noreply@booking.com\r\nEND:VEVENT\r\n"
                for uid, (start, end) in events.items()
            ),
            "END:VCALENDAR\r\n",
        ]
    )


async def set_up(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, body: str
) -> MockConfigEntry:
    aioclient_mock.get(FEED_URL, text=body)
    entry = MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        unique_id="reservations_identity",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": LOCKS,
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options={},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def serve_and_refresh(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    body: str,
) -> None:
    aioclient_mock.clear_requests()
    aioclient_mock.get(FEED_URL, text=body)
    freezer.tick(timedelta(minutes=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def codes(hass: HomeAssistant, uid: str) -> dict[str, tuple[CodeStatus, str | None]]:
    return {
        record.lock_key: (record.status, record.code)
        for record in hass.data[LEDGER].records(uid)
    }


async def test_new_guest_on_a_cancelled_guests_nights_gets_a_code_of_their_own(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    issued = async_capture_events(hass, "lockbooking_code_issued")
    revoked = async_capture_events(hass, "lockbooking_code_revoked")
    await set_up(hass, aioclient_mock, booking_com(GUEST_A, LATER))
    assert [event.data["uid"] for event in issued] == [GUEST_A]
    codes_of_a = codes(hass, GUEST_A)
    assert {status for status, _ in codes_of_a.values()} == {CodeStatus.ISSUED}

    # Guest A cancels, guest B books the same nights: same dates, same summary.
    await serve_and_refresh(hass, aioclient_mock, freezer, booking_com(GUEST_B, LATER))

    assert [event.data["uid"] for event in issued] == [GUEST_A, GUEST_B]
    codes_of_b = codes(hass, GUEST_B)
    assert set(codes_of_b) == set(LOCKS)
    assert {status for status, _ in codes_of_b.values()} == {CodeStatus.ISSUED}
    # B's code is not A's; A's is revoked only after its misses: not yet.
    assert {code for _, code in codes_of_b.values()}.isdisjoint(
        code for _, code in codes_of_a.values()
    )
    assert codes(hass, GUEST_A) == codes_of_a
    assert not revoked

    await serve_and_refresh(hass, aioclient_mock, freezer, booking_com(GUEST_B, LATER))

    assert [event.data["uid"] for event in revoked] == [GUEST_A]
    assert {status for status, _ in codes(hass, GUEST_A).values()} == {
        CodeStatus.REVOKED
    }
    assert codes(hass, GUEST_B) == codes_of_b
    assert [event.data["uid"] for event in issued] == [GUEST_A, GUEST_B]


async def test_airbnb_booking_under_a_new_uid_keeps_its_code(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Same reservation link, new uid, the phone digits gone: the code follows."""
    issued = async_capture_events(hass, "lockbooking_code_issued")
    revoked = async_capture_events(hass, "lockbooking_code_revoked")
    await set_up(hass, aioclient_mock, feed())
    before = codes(hass, FIRST_UID)
    assert [event.data["uid"] for event in issued] == [FIRST_UID]
    new_uid = "1418fb94e984-00000000000000000000000000000002@airbnb.com"
    text = (
        feed()
        .replace(FIRST_UID, new_uid)
        .replace("\\nPhone Number (Last 4 Digits): 4144", "", 1)
    )
    assert "4144" not in text

    for _ in range(3):
        await serve_and_refresh(hass, aioclient_mock, freezer, text)

    assert codes(hass, new_uid) == before
    assert codes(hass, FIRST_UID) == {}
    assert [event.data["uid"] for event in issued] == [FIRST_UID]
    assert not revoked


async def test_other_airbnb_booking_on_the_same_nights_is_a_new_stay(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Another reservation link on the same nights, same phone digits: not the same."""
    issued = async_capture_events(hass, "lockbooking_code_issued")
    revoked = async_capture_events(hass, "lockbooking_code_revoked")
    await set_up(hass, aioclient_mock, feed())
    new_uid = "1418fb94e984-00000000000000000000000000000003@airbnb.com"
    text = feed().replace(FIRST_UID, new_uid).replace("HMY1D6SD91", "HMZZZZZZ99")

    for _ in range(2):
        await serve_and_refresh(hass, aioclient_mock, freezer, text)

    assert [event.data["uid"] for event in issued] == [FIRST_UID, new_uid]
    assert [event.data["uid"] for event in revoked] == [FIRST_UID]
    assert all(
        status is CodeStatus.ISSUED for status, _ in codes(hass, new_uid).values()
    )


async def test_diagnostics_keep_the_booking_reference_out(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A confirmation code is the guest's, as the description it comes from."""
    entry = await set_up(hass, aioclient_mock, feed())

    # Called directly: the diagnostics download fails under the frozen clock.
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    assert diagnostics["reservations"]
    assert {stay["reference"] for stay in diagnostics["reservations"]} == {
        "**REDACTED**"
    }
    assert "HMY1D6SD91" not in str(diagnostics)
