"""Secrets: diagnostics redact tokens, codes, feed addresses and guest details; logs never carry them.

Every test of the suite runs with logs captured at DEBUG and fails if a token, client
secret or issued code shows up in them, or if a code reaches an event, a state or a
calendar answer (`no_secrets_in_logs` in tests/conftest.py);
the first test here proves that guard catches a leak.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.lockbooking.ledger import LEDGER
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.json import ExtendedJSONEncoder

from .conftest import leaked_codes, leaked_secrets
from .vendors.igloohome.conftest import (  # noqa: F401
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN as IGLOO_TOKEN,
    igloo_api,
    igloo_entry,
    init_igloo,
)
from .vendors.nuki.conftest import (  # noqa: F401
    TOKEN as NUKI_TOKEN,
    init_nuki,
    nuki_api,
    nuki_entry,
)
from .vendors.unifi_access.conftest import (  # noqa: F401
    TOKEN as UNIFI_TOKEN,
    entry,
    init_entry as init_unifi,
)

pytestmark = [pytest.mark.fault, pytest.mark.usefixtures("day_before_first_stay")]

# The reservations fixtures freeze time, which Home Assistant's diagnostics endpoint
# cannot serialise under freezegun: the entry's own diagnostics are called directly and
# checked to be JSON (tests/test_diagnostics.py goes through the endpoint).


async def _diagnostics(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    json.dumps(diagnostics, cls=ExtendedJSONEncoder)
    return diagnostics


STAY = {"start": "2026-12-01T16:00:00+01:00", "end": "2026-12-05T11:00:00+01:00"}


def test_the_log_guard_catches_a_planted_leak() -> None:
    record = logging.LogRecord(
        "custom_components.lockbooking",
        logging.DEBUG,
        __file__,
        1,
        "sent %s",
        ("482913",),
        None,
    )
    assert leaked_secrets([record], {"482913"})
    # A time stamp's microseconds are not a code.
    record.args = ("12:00:01.482913",)
    assert not leaked_secrets([record], {"482913"})


def test_the_guard_catches_a_code_in_an_event_or_a_calendar_answer() -> None:
    state = State("calendar.x", "on", {"description": "Front door: issued 482913"})
    published = [
        ("event state_changed", {"entity_id": "calendar.x", "new_state": state})
    ]
    assert leaked_codes(published, {"482913"})
    assert leaked_codes(
        [("calendar calendar.x", [{"summary": "PIN 482913"}])], {"482913"}
    )
    # Inside an id, or a time stamp's microseconds, digits are not a code.
    published = [("event e", {"id": "01K482913X", "at": "12:00:01.482913"})]
    assert not leaked_codes(published, {"482913"})


async def test_a_code_in_an_event_fails_the_test(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The autouse guard sees what the bus carries (here checked before it would fail)."""
    from custom_components.lockbooking.calendar import ReservationsCalendar

    from .conftest import _record_published

    published = _record_published(monkeypatch, ReservationsCalendar)
    hass.bus.async_fire("somebody_else", {"pin": "48291377"})
    hass.states.async_set("sensor.door", "ok", {"last_code": "58291377"})
    hass.bus.async_fire("call_service", {"service_data": {"code": "68291377"}})
    assert leaked_codes(published, {"48291377"})
    assert leaked_codes(published, {"58291377"})
    # A service call's data is the caller's, not published by lockbooking.
    assert not leaked_codes(published, {"68291377"})


async def test_account_diagnostics_keep_no_code_or_guest_name(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "issue_code",
        {
            "entity_id": "lock.front_door",
            "uid": "stay-1",
            "name": "Ada Lovelace",
            **STAY,
        },
        blocking=True,
        return_response=True,
    )
    code = response["codes"][0]["code"]

    diagnostics = await _diagnostics(hass, init_demo)

    [record] = diagnostics["codes"]
    assert record["uid"] == "stay-1"
    assert record["status"] == "issued"
    assert record["code"] == record["name"] == "**REDACTED**"
    assert code not in str(diagnostics)
    assert "Lovelace" not in str(diagnostics)


async def test_reservations_diagnostics_hide_the_feed_address_and_the_guests(
    hass: HomeAssistant, init_reservations: MockConfigEntry
) -> None:
    diagnostics = await _diagnostics(hass, init_reservations)

    assert diagnostics["entry"]["data"]["url"] == "**REDACTED**"
    assert "secret-token" not in str(diagnostics)
    assert diagnostics["reservations"]
    for reservation in diagnostics["reservations"]:
        assert reservation["summary"] == "**REDACTED**"
        assert reservation["description"] in ("**REDACTED**", None)
        assert reservation["phone_last4"] in ("**REDACTED**", None)
    assert diagnostics["codes"]
    assert all(record["code"] == "**REDACTED**" for record in diagnostics["codes"])
    codes = {record.code for record in hass.data[LEDGER].records()}
    assert not any(code and code in str(diagnostics) for code in codes)


async def test_nuki_diagnostics_carry_no_token(
    hass: HomeAssistant, init_nuki: MockConfigEntry
) -> None:
    _assert_free_of(await _diagnostics(hass, init_nuki), NUKI_TOKEN)


async def test_igloohome_diagnostics_carry_no_credential(
    hass: HomeAssistant, init_igloo: MockConfigEntry
) -> None:
    _assert_free_of(
        await _diagnostics(hass, init_igloo), CLIENT_ID, CLIENT_SECRET, IGLOO_TOKEN
    )


async def test_unifi_access_diagnostics_carry_no_token(
    hass: HomeAssistant, init_unifi: MockConfigEntry
) -> None:
    _assert_free_of(await _diagnostics(hass, init_unifi), UNIFI_TOKEN)


def _assert_free_of(diagnostics: dict[str, Any], *secrets: str) -> None:
    assert diagnostics["locks"]
    for secret in secrets:
        assert secret not in str(diagnostics)
