"""The code services through Home Assistant: issue_code, revoke_code, get_codes."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lockbooking.vendors.base import VendorUnavailableError
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .helpers import demo_device_id

pytestmark = pytest.mark.usefixtures("vienna")
STAY = {"start": "2026-12-01T16:00:00+01:00", "end": "2026-12-05T11:00:00+01:00"}


async def _call(
    hass: HomeAssistant, service: str, data: dict[str, Any]
) -> dict[str, Any]:
    return await hass.services.async_call(
        "lockbooking", service, data, blocking=True, return_response=True
    )


async def test_issue_on_a_keypad_lock(
    hass: HomeAssistant, init_demo: MockConfigEntry, issue_spy: Any
) -> None:
    response = await _call(
        hass,
        "issue_code",
        {
            "entity_id": "lock.front_door",
            **STAY,
            "name": "Reserved - Anna",
            "uid": "stay-1",
        },
    )
    [code] = response["codes"]
    assert code == {
        "device_id": demo_device_id(hass, "front_door"),
        "entity_id": "lock.front_door",
        "lock": "Front door",
        "code": code["code"],
        "starts": "2026-12-01T16:00:00+01:00",
        "ends": "2026-12-05T11:00:00+01:00",
        "kind": "keypad",
        "uid": "stay-1",
        "name": "Reserved - Anna",
        "status": "issued",
        "decided_by": "host",
        "notes": [],
    }
    assert len(code["code"]) == 6
    assert not code["code"].startswith("12")
    again = await _call(
        hass, "issue_code", {"entity_id": "lock.front_door", **STAY, "uid": "stay-1"}
    )
    assert again["codes"][0]["code"] == code["code"]
    assert issue_spy.call_count == 1


async def test_algopin_rounding_by_device(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    response = await _call(
        hass,
        "issue_code",
        {
            "device_id": demo_device_id(hass, "cabin"),
            "start": "2026-12-01 15:20",
            "end": "2026-12-01 17:20",
        },
    )
    [code] = response["codes"]
    assert (code["starts"], code["ends"]) == (
        "2026-12-01T15:00:00+01:00",
        "2026-12-01T18:00:00+01:00",
    )
    assert code["kind"] == "algopin_hourly"
    assert code["entity_id"] is None
    assert code["uid"].startswith("manual-")
    assert any("cannot be revoked" in note for note in code["notes"])


async def test_forty_nights_daily_with_plain_dates(
    hass: HomeAssistant, init_demo: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-20T10:00:00+00:00")  # issued before the stay begins
    response = await _call(
        hass,
        "issue_code",
        {
            "entity_id": "sensor.cabin_battery",
            "start": "2026-12-01",
            "end": "2027-01-10",
        },
    )
    [code] = response["codes"]
    assert code["kind"] == "algopin_daily"
    assert (code["starts"], code["ends"]) == (
        "2026-12-01T16:00:00+01:00",
        "2027-01-10T16:00:00+01:00",
    )
    assert any("2026-12-02T16:00:00+01:00" in note for note in code["notes"])


async def test_several_locks_in_one_call(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    response = await _call(
        hass,
        "issue_code",
        {"entity_id": ["lock.front_door", "lock.garden_gate"], **STAY, "uid": "stay-2"},
    )
    assert [c["lock"] for c in response["codes"]] == ["Front door", "Garden gate"]
    assert len({c["code"] for c in response["codes"]}) == 2


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (
            {"start": "2026-12-05T11:00:00+01:00", "end": "2026-12-01T16:00:00+01:00"},
            "end_not_after_start",
        ),
        ({**STAY, "code": "123456"}, "code_prefix"),
        ({**STAY, "code": "345670"}, "code_digits"),
        ({**STAY, "code": "34567"}, "code_length"),
        ({"start": "2026-01-01", "end": "2027-06-01"}, "span_too_long"),
    ],
)
async def test_invalid_requests_send_nothing(
    hass: HomeAssistant,
    init_demo: MockConfigEntry,
    issue_spy: Any,
    data: dict[str, Any],
    key: str,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to("2025-11-20T10:00:00+00:00")  # issued before every window begins
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "issue_code",
            {
                "entity_id": [
                    "lock.garden_gate",
                    "lock.front_door",
                    "sensor.cabin_battery",
                ],
                **data,
            },
        )
    assert err.value.translation_key == key
    assert str(err.value)  # the translation renders with its placeholders
    assert issue_spy.call_count == 0
    assert (await _call(hass, "get_codes", {}))["codes"] == []


async def test_chosen_code_on_an_algopin_lock(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "issue_code",
            {"entity_id": "sensor.cabin_battery", **STAY, "code": "1234567"},
        )
    assert err.value.translation_key == "code_not_choosable"
    assert err.value.translation_placeholders["lock"] == "Cabin"


async def test_chosen_code(hass: HomeAssistant, init_demo: MockConfigEntry) -> None:
    response = await _call(
        hass, "issue_code", {"entity_id": "lock.front_door", **STAY, "code": "345678"}
    )
    assert response["codes"][0]["code"] == "345678"


async def test_targets_must_be_lockbooking_locks(
    hass: HomeAssistant, init_demo: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    other = entity_registry.async_get_or_create("lock", "other", "x")
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "issue_code", {"entity_id": other.entity_id, **STAY})
    assert err.value.translation_key == "not_a_lockbooking_lock"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "issue_code", {"device_id": "not-a-device", **STAY})
    assert err.value.translation_key == "not_a_lockbooking_lock"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "issue_code", STAY)
    assert err.value.translation_key == "no_target"


@pytest.mark.parametrize(
    "data",
    [
        {"start": "tomorrow", "end": "2026-12-05"},
        {**STAY, "code": "12ab"},
        {**STAY, "name": ""},
    ],
)
async def test_malformed_fields(
    hass: HomeAssistant, init_demo: MockConfigEntry, data: dict[str, Any]
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "issue_code", {"entity_id": "lock.front_door", **data})
    assert err.value.translation_key == "invalid_field"


async def test_moved_reservation_gets_a_new_code(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    first = await _call(
        hass, "issue_code", {"entity_id": "lock.front_door", **STAY, "uid": "s"}
    )
    moved = await _call(
        hass,
        "issue_code",
        {
            "entity_id": "lock.front_door",
            "start": "2026-12-02",
            "end": "2026-12-06",
            "uid": "s",
        },
    )
    assert moved["codes"][0]["starts"] == "2026-12-02T16:00:00+01:00"
    on_lock = [c for c in init_demo.runtime_data.vendor._codes.values()]
    assert [(c.code, c.window.start.isoformat()) for c in on_lock] == [
        (moved["codes"][0]["code"], "2026-12-02T16:00:00+01:00")
    ]
    assert first["codes"][0]["starts"] == "2026-12-01T16:00:00+01:00"


async def test_revoke(hass: HomeAssistant, init_demo: MockConfigEntry) -> None:
    issued = await _call(
        hass, "issue_code", {"entity_id": "lock.front_door", **STAY, "uid": "r"}
    )
    code = issued["codes"][0]["code"]
    response = await _call(
        hass, "revoke_code", {"entity_id": "lock.front_door", "uid": "r"}
    )
    assert response["codes"][0]["status"] == "revoked"
    assert code not in {c.code for c in init_demo.runtime_data.vendor._codes.values()}
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "revoke_code", {"code": code})
    assert err.value.translation_key == "code_not_found"


async def test_revoke_algopin_is_refused(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    await _call(
        hass, "issue_code", {"entity_id": "sensor.cabin_battery", **STAY, "uid": "a"}
    )
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "revoke_code", {"uid": "a"})
    assert err.value.translation_key == "code_not_revocable"
    assert err.value.translation_placeholders["ends"] == "2026-12-05T11:00:00+01:00"
    codes = (await _call(hass, "get_codes", {"uid": "a"}))["codes"]
    assert [c["status"] for c in codes] == ["issued"]


async def test_revoke_needs_uid_or_code(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "revoke_code", {"entity_id": "lock.front_door"})
    assert err.value.translation_key == "uid_or_code_required"


async def test_get_codes_filters(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    await _call(
        hass, "issue_code", {"entity_id": "lock.front_door", **STAY, "uid": "g1"}
    )
    await _call(
        hass, "issue_code", {"entity_id": "lock.garden_gate", **STAY, "uid": "g2"}
    )
    assert len((await _call(hass, "get_codes", {}))["codes"]) == 2
    assert [
        c["uid"] for c in (await _call(hass, "get_codes", {"uid": "g2"}))["codes"]
    ] == ["g2"]
    front = await _call(hass, "get_codes", {"entity_id": "lock.front_door"})
    assert [c["uid"] for c in front["codes"]] == ["g1"]


async def test_vendor_failure_is_recorded_and_retried(
    hass: HomeAssistant, init_demo: MockConfigEntry
) -> None:
    with (
        patch.object(
            DemoVendor,
            "async_issue_code",
            side_effect=VendorUnavailableError("timeout"),
        ),
        pytest.raises(HomeAssistantError) as err,
    ):
        await _call(
            hass, "issue_code", {"entity_id": "lock.front_door", **STAY, "uid": "f"}
        )
    assert err.value.translation_key == "vendor_unavailable"
    assert [
        c["status"] for c in (await _call(hass, "get_codes", {"uid": "f"}))["codes"]
    ] == ["pending"]  # the vendor may have it: its outcome is unknown
    response = await _call(
        hass, "issue_code", {"entity_id": "lock.front_door", **STAY, "uid": "f"}
    )
    assert response["codes"][0]["status"] == "issued"


async def test_ledger_survives_a_restart(
    hass: HomeAssistant,
    demo_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    issue_spy: Any,
) -> None:
    hass_storage["lockbooking.codes"] = {
        "version": 1,
        "minor_version": 1,
        "key": "lockbooking.codes",
        "data": {
            "codes": [
                {
                    "uid": "before-restart",
                    "lock_key": "demo_demo:front_door",
                    "lock_name": "Front door",
                    "name": "Guest",
                    "requested_start": "2026-12-01T16:00:00+01:00",
                    "requested_end": "2026-12-05T11:00:00+01:00",
                    "status": "issued",
                    "kind": "keypad",
                    "code": "456789",
                    "vendor_id": "demo-1",
                    "starts": "2026-12-01T16:00:00+01:00",
                    "ends": "2026-12-05T11:00:00+01:00",
                    "revocable": True,
                    "notes": [],
                    "error": None,
                    "updated_at": "2026-11-20T10:00:00+00:00",
                },
                {"uid": "broken"},
            ]
        },
    }
    demo_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(demo_entry.entry_id)
    await hass.async_block_till_done()
    response = await _call(
        hass,
        "issue_code",
        {"entity_id": "lock.front_door", **STAY, "uid": "before-restart"},
    )
    assert response["codes"][0]["code"] == "456789"
    assert issue_spy.call_count == 0


async def test_issued_codes_are_saved(
    hass: HomeAssistant, init_demo: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    response = await _call(
        hass, "issue_code", {"entity_id": "lock.front_door", **STAY, "uid": "saved"}
    )
    await hass.async_block_till_done()
    [saved] = hass_storage["lockbooking.codes"]["data"]["codes"]
    assert saved["uid"] == "saved"
    assert saved["status"] == "issued"
    assert saved["code"] == response["codes"][0]["code"]
