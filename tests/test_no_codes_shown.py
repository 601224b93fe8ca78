"""What a non-admin can read holds no door code, nor the phone digits used as one.

The suite's autouse check (tests/conftest.py) also fails any test in which a code
reaches a state, an event or a calendar answer; these tests read it as a user would.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.lockbooking.diagnostics import async_get_config_entry_diagnostics
from custom_components.lockbooking.errors import REPAIR_TEXT_CHARS, repair_text
from custom_components.lockbooking.reservations.feed import without_phone_digits
from custom_components.lockbooking.vendors.base import VendorUnavailableError
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component

from .helpers import FEED_URL, FIRST_UID, feed

pytestmark = pytest.mark.usefixtures("day_before_first_stay", "four_digit_gate")

PHONE = "4144"  # the first stay's "Phone Number (Last 4 Digits)" in airbnb-1.0.ics
LOCKS = ["demo_demo:front_door", "demo_demo:garden_gate", "demo_demo:cabin"]


def _entry(options: dict[str, Any], **kwargs: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        unique_id="reservations_phone",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": LOCKS,
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options=options,
        **kwargs,
    )


async def _setup(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    entry: MockConfigEntry,
    ics: str | None = None,
) -> None:
    aioclient_mock.get(FEED_URL, text=ics or feed())
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _codes(hass: HomeAssistant) -> set[str]:
    """The stay's codes, as an automation (no user) reads them."""
    response = await hass.services.async_call(
        "lockbooking",
        "get_codes",
        {"uid": FIRST_UID},
        blocking=True,
        return_response=True,
    )
    return {code["code"] for code in response["codes"] if code["code"]}


async def test_a_read_only_user_reads_no_code(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_read_only_user: MockUser,
    hass_client: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """States, attributes and the calendar API, while the stay is under way."""
    await _setup(hass, aioclient_mock, _entry({"code_choice": "phone_digits"}))
    codes = await _codes(hass)
    assert PHONE in codes  # the gate's code is the guest's phone digits
    assert len(codes) == 3
    freezer.move_to(
        "2026-08-24T17:00:00+02:00"
    )  # the stay is the calendar's current event
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("calendar.seaside_flat").state == "on"

    assert await async_setup_component(hass, "api", {})
    refresh_token = await hass.auth.async_create_refresh_token(
        hass_read_only_user, CLIENT_ID
    )
    token = hass.auth.async_create_access_token(refresh_token)
    ws = await hass_ws_client(hass, token)
    client = await hass_client(token)
    answers = []
    for url in (
        "/api/states",
        "/api/calendars",
        "/api/calendars/calendar.seaside_flat?start=2026-08-01T00:00:00Z&end=2026-10-01T00:00:00Z",
    ):
        resp = await client.get(url)
        assert resp.status == HTTPStatus.OK
        answers.append(await resp.text())
    await ws.send_json_auto_id({"type": "get_states"})
    answers.append(str(await ws.receive_json()))

    calendar = answers[2]
    assert "Front door: issued, 24 Aug 16:00 to 02 Sep 11:00" in calendar
    assert "Reservation URL" in calendar
    for text in answers:
        for code in codes:
            assert code not in text
        assert "Phone Number" not in text

    # The code events are the admin's: a read-only user cannot subscribe to them.
    await ws.send_json_auto_id(
        {"type": "subscribe_events", "event_type": "lockbooking_code_issued"}
    )
    result = await ws.receive_json()
    assert not result["success"]
    assert result["error"]["code"] == "unauthorized"


async def test_show_codes_option_is_migrated_away(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """An entry saved with "show codes in the calendar" on loses the option."""
    entry = _entry(
        {"show_codes": True, "refresh_minutes": 60}, version=1, minor_version=1
    )
    await _setup(hass, aioclient_mock, entry)

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 2)
    assert entry.options == {"refresh_minutes": 60}
    codes = await _codes(hass)
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": "calendar.seaside_flat",
            "start_date_time": "2026-08-24 00:00",
            "duration": {"days": 1},
        },
        blocking=True,
        return_response=True,
    )
    [event] = response["calendar.seaside_flat"]["events"]
    description = event["description"]
    assert "Front door: issued" in description
    for code in codes:
        assert code not in description


async def test_an_entry_from_a_newer_version_is_left_alone(
    hass: HomeAssistant, init_demo: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    entry = _entry({"show_codes": True}, version=2, minor_version=1)
    await _setup(hass, aioclient_mock, entry)

    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert entry.options == {"show_codes": True}


async def test_repairs_quote_the_summary_as_bounded_plain_text(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A feed's summary is the feed author's text: no markdown, links or HTML in Repairs."""
    summary = "**Free** [stay](https://evil.example) <img src=x> " + "x" * 150
    ics = feed().replace("SUMMARY:Reserved", f"SUMMARY:{summary}", 1)
    with patch.object(
        DemoVendor, "async_issue_code", side_effect=VendorUnavailableError("down")
    ):
        await _setup(hass, aioclient_mock, _entry({}), ics)
        for _ in range(4):
            freezer.tick(timedelta(minutes=20))
            async_fire_time_changed(hass)
            await hass.async_block_till_done()
    [issue] = [
        i for i in issue_registry.issues.values() if i.translation_key == "code_failed"
    ]
    quoted = issue.translation_placeholders["summary"]
    assert quoted.startswith(
        r"\*\*Free\*\* \[stay\]\(https\://evil\.example\) \<img src=x\>"
    )
    assert "evil.example)" not in quoted
    assert quoted.endswith("x…")
    assert len(quoted.replace("\\", "")) == REPAIR_TEXT_CHARS
    await hass.config_entries.async_unload(init_demo.entry_id)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        (None, ""),
        ("Reserved", "Reserved"),
        ("  Anna\n\n# Big\t_one_ ", r"Anna \# Big \_one\_"),
        ("a\x00b\u202ec", "abc"),
        ("`code` ~~x~~ | &lt;", r"\`code\` \~\~x\~\~ \| \&lt;"),
        ("y" * 100, "y" * (REPAIR_TEXT_CHARS - 1) + "…"),
    ],
)
def test_repair_text(text: str | None, quoted: str) -> None:
    assert repair_text(text) == quoted


async def test_diagnostics_name_no_lock_key(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Lock keys hold an account id, a UniFi host or a Bluetooth MAC: redacted."""
    entry = _entry({"code_choice": "phone_digits"})
    await _setup(hass, aioclient_mock, entry)
    codes = await _codes(hass)

    for diagnosed in (entry, init_demo):
        # Called directly: the diagnostics download fails under the frozen clock.
        diagnostics = await async_get_config_entry_diagnostics(hass, diagnosed)
        assert diagnostics["codes"]
        assert all(code["lock_key"] == "**REDACTED**" for code in diagnostics["codes"])
        assert "demo_demo" not in str(diagnostics)
        for code in codes:
            assert code not in str(diagnostics)
    assert {code["lock_name"] for code in diagnostics["codes"]} == {
        "Front door",
        "Garden gate",
        "Cabin",
    }


@pytest.mark.parametrize(
    ("description", "shown"),
    [
        (None, None),
        ("Reservation URL: x", "Reservation URL: x"),
        ("a\n\nb", "a\n\nb"),
        ("URL: x\n\nPhone Number (Last 4 Digits): 4144\nNotes", "URL: x\n\nNotes"),
        ("PHONE NUMBER (LAST 4 DIGITS):\n4144", None),
        ("Call, phone number (last 4 digits) 4144 thanks", "Call,  thanks"),
    ],
)
def test_the_phone_digits_line_is_dropped(
    description: str | None, shown: str | None
) -> None:
    assert without_phone_digits(description) == shown
