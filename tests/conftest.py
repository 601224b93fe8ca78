"""Fixtures for lockbooking's tests."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, replace
import json
import logging
import re
import sys
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion

# pytest-homeassistant-custom-component ships a `custom_components` package of its own:
# import ours first, so Home Assistant's loader finds lockbooking.
import custom_components.lockbooking  # noqa: F401
from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.vendors.demo import vendor as demo
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import EventBus, HomeAssistant
from homeassistant.helpers.json import JSONEncoder

from .ha_locks import FakeKeypads, stub_integrations
from .helpers import FEED_URL, feed
from .snapshot import OneFormatSnapshotExtension

pytest_plugins = "pytest_homeassistant_custom_component"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""


DEPRECATION_MARKERS = (
    "deprecated",
    "will stop working",
    "detected that custom integration",
)


@pytest.fixture(autouse=True)
def no_deprecation_reports(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail a test in which Home Assistant reports a deprecated use (it logs, not warns)."""
    yield
    reports = [
        record.getMessage()
        for phase in ("setup", "call")
        for record in caplog.get_records(phase)
        if record.levelno >= logging.WARNING
        and any(marker in record.getMessage().lower() for marker in DEPRECATION_MARKERS)
    ]
    assert not reports, reports


# Log lines that carry data by design, not by accident: Home Assistant's event bus
# tracing of a service call prints the data the caller gave (a chosen code, say), its
# websocket debug log prints what a client sent and the service responses it sends,
# the test harness's storage mock prints what it "writes", and the ical parser prints
# the feed's own lines (whose phone numbers may hold a code's digits).
SECRET_FREE_EXEMPT = (
    ("homeassistant.core", "Bus:Handling %s", "<Event call_service"),
    ("homeassistant.components.websocket_api", "%s: Sending", ""),
    ("homeassistant.components.websocket_api", "%s: Received", ""),
    ("pytest_homeassistant_custom_component.common", "Writing data to", ""),
    ("pytest_homeassistant_custom_component.common", "Loading data for", ""),
    ("ical", "", ""),
)
# Test constants that hold secrets (but not, say, TOKEN_URL, the sign-in address).
SECRET_NAMES = re.compile(r"^(?!.*_URL$).*(TOKEN|SECRET)|^FEED_URL$")


@pytest.fixture(autouse=True)
def no_secrets_in_logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Generator[None]:
    """Fail a test if a token, secret or code shows where it must not.

    Secrets are the test modules' TOKEN / SECRET constants and every code the ledger
    recorded during the test. The logs are captured at DEBUG; codes must also stay out
    of every event fired (state changes, so every state and attribute, included) and
    of every answer of a LockBooking calendar (its API, websocket and triggers).
    """
    from custom_components.lockbooking.calendar import ReservationsCalendar
    from custom_components.lockbooking.code_record import CodeRecord
    from custom_components.lockbooking.ledger import CodeLedger

    codes: set[str] = set()
    put = CodeLedger.async_put

    async def recording_put(self: CodeLedger, record: CodeRecord) -> CodeRecord:
        if record.code:
            codes.add(record.code)
        return await put(self, record)

    monkeypatch.setattr(CodeLedger, "async_put", recording_put)
    published = _record_published(monkeypatch, ReservationsCalendar)
    caplog.set_level(logging.DEBUG)
    yield
    records = [
        record
        for phase in ("setup", "call", "teardown")
        for record in caplog.get_records(phase)
    ]
    leaks = leaked_secrets(records, _test_constants() | codes)
    assert not leaks, leaks
    leaks = leaked_codes(published, codes)
    assert not leaks, leaks


# Events whose data a caller gave (a service call's fields may hold a chosen code).
CALLER_DATA_EVENTS = frozenset({"call_service"})


def _record_published(
    monkeypatch: pytest.MonkeyPatch, calendar: type[CalendarEntity]
) -> list[tuple[str, Any]]:
    """Keep every event fired and every calendar answer, to look for codes at the end."""
    published: list[tuple[str, Any]] = []
    fire = EventBus.async_fire_internal

    def recording_fire(
        self: EventBus,
        event_type: Any,
        event_data: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if str(event_type) not in CALLER_DATA_EVENTS:
            published.append((f"event {event_type}", event_data))
        fire(self, event_type, event_data, *args, **kwargs)

    get_events = calendar.async_get_events

    async def recording_get_events(
        self: CalendarEntity, *args: Any
    ) -> list[CalendarEvent]:
        events = await get_events(self, *args)  # type: ignore[arg-type]
        published.append(
            (f"calendar {self.entity_id}", [asdict(event) for event in events])
        )
        return events

    monkeypatch.setattr(EventBus, "async_fire_internal", recording_fire)
    monkeypatch.setattr(calendar, "async_get_events", recording_get_events)
    return published


def leaked_codes(published: list[tuple[str, Any]], codes: set[str]) -> list[str]:
    """The events and calendar answers that carry one of the codes."""
    if not codes:
        return []
    # Not inside a longer word either: ids and ULIDs carry digit runs of their own.
    patterns = [re.compile(rf"(?<![\w.:]){re.escape(code)}(?!\w)") for code in codes]
    leaks = []
    for where, data in published:
        text = json.dumps(data, cls=JSONEncoder, default=str)
        if any(pattern.search(text) for pattern in patterns):
            leaks.append(f"{where}: {text[:500]}")
    return leaks


def leaked_secrets(records: list[logging.LogRecord], secrets: set[str]) -> list[str]:
    """The log lines that carry one of the secrets (digits inside longer numbers don't count)."""
    patterns = [
        re.compile(rf"(?<![\d.:]){re.escape(secret)}(?!\d)") for secret in secrets
    ]
    return [
        f"{record.name}: {message}"
        for record in records
        if not _exempt(record)
        and any(pattern.search(message := record.getMessage()) for pattern in patterns)
    ]


def _exempt(record: logging.LogRecord) -> bool:
    first_arg = record.args[0] if isinstance(record.args, tuple) and record.args else ""
    return isinstance(record.msg, str) and any(
        (record.name == name or record.name.startswith(f"{name}."))
        and prefix in record.msg
        and str(first_arg).startswith(arg_prefix)
        for name, prefix, arg_prefix in SECRET_FREE_EXEMPT
    )


def _test_constants() -> set[str]:
    return {
        value
        for name, module in list(sys.modules.items())
        if name.startswith("tests.")
        for constant, value in vars(module).items()
        if SECRET_NAMES.search(constant) and isinstance(value, str) and len(value) >= 6
    }


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format, the same on every tested release."""
    return snapshot.use_extension(OneFormatSnapshotExtension)


@pytest.fixture
def demo_entry() -> MockConfigEntry:
    """A demo account's config entry."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Demo",
        data={"kind": "demo", "name": "Demo"},
        unique_id="demo_demo",
        entry_id="01JDEMO0000000000000000000",
    )


@pytest.fixture
def platforms() -> list[str] | None:
    """Which platforms to set up; None for all."""
    return None


@pytest.fixture
async def init_demo(
    hass: HomeAssistant, demo_entry: MockConfigEntry, platforms: list[str] | None
) -> MockConfigEntry:
    """The demo account, set up."""
    demo_entry.add_to_hass(hass)
    with _only_platforms(platforms):
        assert await hass.config_entries.async_setup(demo_entry.entry_id)
        await hass.async_block_till_done()
    return demo_entry


def _only_platforms(platforms: list[str] | None) -> AbstractContextManager[object]:
    if platforms is None:
        return nullcontext()
    return patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", platforms)


@pytest.fixture
def issue_spy() -> Generator[Any]:
    """The demo vendor's async_issue_code, spied on (it still issues)."""
    with patch.object(
        DemoVendor,
        "async_issue_code",
        autospec=True,
        side_effect=DemoVendor.async_issue_code,
    ) as spy:
        yield spy


@pytest.fixture
def four_digit_gate() -> Generator[None]:
    """The demo's UniFi-like gate takes 4-6 digit PINs (a site's length may be 4).

    So it takes a guest's phone digits as the code.
    """
    with patch.object(
        demo, "VISITOR_PIN_RULES", replace(demo.VISITOR_PIN_RULES, lengths=(4, 5, 6))
    ):
        yield


@pytest.fixture
async def vienna(hass: HomeAssistant) -> None:
    """Home Assistant in Vienna, the time zone of the sample feed's flat."""
    await hass.config.async_set_time_zone("Europe/Vienna")


@pytest.fixture
def day_before_first_stay(freezer: FrozenDateTimeFactory, vienna: None) -> None:
    """Vienna, at noon the day before the sample feed's first stay checks in."""
    freezer.move_to("2026-08-23T12:00:00+02:00")


@pytest.fixture
def reservations_entry(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> MockConfigEntry:
    """The Seaside flat: the sample feed on two of the demo locks, 16:00 to 11:00."""
    return MockConfigEntry(
        domain="lockbooking",
        title="Seaside flat",
        unique_id="reservations_test",
        data={
            "kind": "reservations",
            "name": "Seaside flat",
            "url": FEED_URL,
            "locks": ["demo_demo:front_door", "demo_demo:cabin"],
            "checkin_time": "16:00:00",
            "checkout_time": "11:00:00",
        },
        options={},
    )


@pytest.fixture
async def init_reservations(
    hass: HomeAssistant,
    reservations_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> MockConfigEntry:
    """The Seaside flat, set up on the sample feed."""
    aioclient_mock.get(FEED_URL, text=feed(), headers={"ETag": '"v1"'})
    reservations_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(reservations_entry.entry_id)
    await hass.async_block_till_done()
    return reservations_entry


@pytest.fixture
def keypads(hass: HomeAssistant) -> FakeKeypads:
    """Z-Wave JS, ZHA, Matter and Schlage's code actions, stubbed (tests/ha_locks.py)."""
    return stub_integrations(hass)
