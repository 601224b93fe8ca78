"""The Nuki Web vendor: config flow, entities, actions and keypad codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
import logging
from typing import Any
from unittest.mock import patch

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from hypothesis import given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from syrupy.assertion import SnapshotAssertion
from yarl import URL

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.models import (
    CodeKind,
    CodeUse,
    IssuedCode,
    Lock,
    LockState as LbLockState,
    Window,
)
from custom_components.lockbooking.planner import code_problem, generate_code
from custom_components.lockbooking.vendors.base import (
    VendorAuthError,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from custom_components.lockbooking.vendors.nuki.auths import FIND_DELAYS
from custom_components.lockbooking.vendors.nuki.vendor import (
    LOG_PAGE_SIZE,
    LOG_PAGES,
    NukiVendor,
)
from custom_components.lockbooking.vendors.nuki_common import NUKI_KEYPAD
from homeassistant.components.lock import (
    DOMAIN as LOCK_DOMAIN,
    SERVICE_LOCK,
    SERVICE_OPEN,
    SERVICE_UNLOCK,
    LockEntityFeature,
    LockState,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .conftest import (
    API,
    ARRIVAL,
    AUTHS,
    AUTHS_URL,
    CELLAR,
    CLEANER_AUTH,
    DEPARTURE,
    FRONT,
    LOG_URL,
    NEW_TOKEN,
    OPENER,
    OUR_AUTH,
    SHED,
    TOKEN,
    auths_in_turn,
    calls,
    fixture,
    keypad_plan,
    lock_of,
    log_queries,
    new_auth,
    vendor_of,
)


async def _nuki_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "nuki" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "nuki"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "nuki"
    assert result["errors"] == {}
    return result["flow_id"]


async def test_flow_creates_entry(
    hass: HomeAssistant, nuki_api: AiohttpClientMocker
) -> None:
    flow_id = await _nuki_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_token": f" {TOKEN} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Nuki (Holiday flats)"
    assert result["result"].unique_id == "123456"
    assert result["data"] == {"kind": "nuki", "api_token": f" {TOKEN} "}
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    urls = {str(url) for _, url, _, _ in nuki_api.mock_calls}
    assert urls == {f"{API}/account", f"{API}/smartlock"}
    for _, _, _, headers in nuki_api.mock_calls:
        assert headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": HTTPStatus.UNAUTHORIZED}, "invalid_auth"),
        ({"exc": aiohttp.ClientConnectionError()}, "cannot_connect"),
        ({"exc": TimeoutError()}, "cannot_connect"),
        ({"status": HTTPStatus.BAD_GATEWAY, "text": "<html>"}, "cannot_connect"),
        ({"status": HTTPStatus.TOO_MANY_REQUESTS}, "cannot_connect"),
        ({"text": "not json"}, "cannot_connect"),
        ({"json": {"smartlocks": []}}, "cannot_connect"),
    ],
)
async def test_flow_errors_then_recovers(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    error: str,
) -> None:
    aioclient_mock.get(f"{API}/smartlock", **answer)
    aioclient_mock.get(f"{API}/account", json=fixture("account"))
    flow_id = await _nuki_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {"api_token": "x"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert not hass.config_entries.async_entries(DOMAIN)

    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{API}/smartlock", json=fixture("smartlocks"))
    aioclient_mock.get(f"{API}/account", json=fixture("account"))
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_token": TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_flow_unknown_error(
    hass: HomeAssistant, nuki_api: AiohttpClientMocker
) -> None:
    flow_id = await _nuki_form(hass)
    with patch.object(NukiVendor, "async_identify", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"api_token": TOKEN}
        )
    assert result["errors"] == {"base": "unknown"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_token": TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("status", [HTTPStatus.FORBIDDEN, HTTPStatus.UNAUTHORIZED])
async def test_flow_token_without_account_permission(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, status: HTTPStatus
) -> None:
    """A token that lists locks but may not read the account is named by its locks."""
    aioclient_mock.get(f"{API}/smartlock", json=fixture("smartlocks"))
    aioclient_mock.get(f"{API}/account", status=status)
    flow_id = await _nuki_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_token": TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "123456"
    assert result["title"] == "Nuki (account 123456)"


async def test_flow_token_that_sees_nothing(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(f"{API}/smartlock", json=[])
    aioclient_mock.get(f"{API}/account", status=HTTPStatus.FORBIDDEN)
    flow_id = await _nuki_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_token": TOKEN}
    )
    assert result["errors"] == {"base": "invalid_auth"}


async def test_flow_email_title_when_unnamed(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(f"{API}/smartlock", json=[])
    aioclient_mock.get(f"{API}/account", json={**fixture("account"), "name": ""})
    flow_id = await _nuki_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_token": TOKEN}
    )
    assert result["title"] == "Nuki (host@example.com)"


async def test_flow_already_configured(
    hass: HomeAssistant, nuki_api: AiohttpClientMocker, nuki_entry: MockConfigEntry
) -> None:
    nuki_entry.add_to_hass(hass)
    flow_id = await _nuki_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"api_token": TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant, init_nuki: MockConfigEntry, nuki_api: AiohttpClientMocker
) -> None:
    result = await init_nuki.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert list(result["data_schema"].schema) == ["api_token"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": NEW_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_nuki.data == {"kind": "nuki", "api_token": NEW_TOKEN}
    await hass.async_block_till_done()
    assert init_nuki.state is ConfigEntryState.LOADED


async def test_reauth_wrong_account(
    hass: HomeAssistant, init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    result = await init_nuki.start_reauth_flow(hass)
    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{API}/smartlock", json=[])
    aioclient_mock.get(f"{API}/account", json={**fixture("account"), "accountId": 99})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": NEW_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert init_nuki.data["api_token"] == TOKEN


async def test_reauth_refused_then_fixed(
    hass: HomeAssistant, init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    result = await init_nuki.start_reauth_flow(hass)
    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{API}/smartlock", status=HTTPStatus.UNAUTHORIZED)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{API}/smartlock", json=fixture("smartlocks"))
    aioclient_mock.get(f"{API}/account", json=fixture("account"))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": NEW_TOKEN}
    )
    assert result["reason"] == "reauth_successful"


async def test_reconfigure(
    hass: HomeAssistant, init_nuki: MockConfigEntry, nuki_api: AiohttpClientMocker
) -> None:
    result = await init_nuki.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": NEW_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_nuki.data == {"kind": "nuki", "api_token": NEW_TOKEN}


async def test_reconfigure_wrong_account(
    hass: HomeAssistant, init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    result = await init_nuki.start_reconfigure_flow(hass)
    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{API}/smartlock", json=[])
    aioclient_mock.get(f"{API}/account", json={**fixture("account"), "accountId": 99})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": NEW_TOKEN}
    )
    assert result["reason"] == "wrong_account"
    assert init_nuki.data["api_token"] == TOKEN


# --- setup and entities ----------------------------------------------------------


@pytest.mark.parametrize(
    "platform", [Platform.BINARY_SENSOR, Platform.LOCK, Platform.SENSOR]
)
async def test_entities_snapshot(
    hass: HomeAssistant,
    nuki_api: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    nuki_entry.add_to_hass(hass)
    with patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(nuki_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, nuki_entry.entry_id)


@pytest.mark.parametrize(
    ("door_state", "expected"),
    [
        (2, "off"),
        (3, "on"),
        (4, "unknown"),
        (5, "unknown"),
        (0, None),
        (1, None),
        ("3", None),
    ],
)
async def test_door_sensor_follows_door_state(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
    door_state: Any,
    expected: str | None,
) -> None:
    """Closed, open or unknown; no entity where the sensor is unavailable or deactivated."""
    smartlocks = fixture("smartlocks")
    smartlocks[0]["state"]["doorState"] = door_state
    aioclient_mock.get(f"{API}/account", json=fixture("account"))
    aioclient_mock.get(f"{API}/smartlock", json=smartlocks)
    nuki_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(nuki_entry.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get("binary_sensor.front_door_door")
    assert (state.state if state else None) == expected


async def test_entity_states(hass: HomeAssistant, init_nuki: MockConfigEntry) -> None:
    assert hass.states.get("lock.front_door").state == LockState.LOCKED
    assert hass.states.get("lock.cellar").state == LockState.UNLOCKED
    assert hass.states.get("lock.garden_shed").state == STATE_UNAVAILABLE
    opener = hass.states.get("lock.building_entrance")
    assert opener.state == LockState.LOCKED
    assert opener.attributes[ATTR_SUPPORTED_FEATURES] == LockEntityFeature.OPEN
    assert hass.states.get("sensor.front_door_battery").state == "84"
    assert hass.states.get("sensor.cellar_battery") is None
    assert hass.states.get("binary_sensor.front_door_battery_critical").state == "off"
    assert hass.states.get("binary_sensor.cellar_battery_critical").state == "on"
    assert hass.states.get("sensor.garden_shed_battery").state == STATE_UNAVAILABLE


async def test_locks_and_code_rules(init_nuki: MockConfigEntry) -> None:
    locks = init_nuki.runtime_data.coordinator.data
    front, cellar, opener, shed = (locks[i] for i in (FRONT, CELLAR, OPENER, SHED))
    assert front.code_rules == (NUKI_KEYPAD,)
    assert shed.code_rules == (NUKI_KEYPAD,)  # keypad 2
    assert cellar.code_rules == ()
    assert opener.code_rules == ()
    assert (front.model, front.sw_version) == ("Smart Lock 3.0/4.0", "3.3.8")
    assert (cellar.model, cellar.sw_version) == ("Smart Lock 1.0/2.0", "2.7.14")
    assert front.capabilities.remote_lock
    assert front.capabilities.open
    assert not cellar.capabilities.battery_level
    assert cellar.capabilities.battery_critical
    caps = opener.capabilities
    assert (caps.remote_lock, caps.remote_unlock, caps.open) == (False, True, True)
    assert not shed.status.online
    assert shed.status.state is None


@pytest.mark.parametrize(
    ("kind", "nuki_state", "expected"),
    [
        (4, 2, LbLockState.UNLOCKING),
        (4, 4, LbLockState.LOCKING),
        (4, 5, LbLockState.UNLOCKED),
        (4, 6, LbLockState.UNLOCKED),
        (4, 7, LbLockState.OPENING),
        (0, 254, LbLockState.JAMMED),
        (3, 0, None),
        (5, 255, None),
        (2, 3, LbLockState.UNLOCKED),
        (2, 5, LbLockState.OPEN),
        (2, 7, LbLockState.OPENING),
        (2, 253, None),
    ],
)
async def test_state_mapping(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    kind: int,
    nuki_state: int,
    expected: LbLockState | None,
) -> None:
    device = fixture("smartlocks")[0] | {"type": kind}
    device["state"] = device["state"] | {"state": nuki_state}
    aioclient_mock.get(f"{API}/smartlock", json=[device])
    (lock,) = await NukiVendor(hass, {"api_token": TOKEN}).async_get_locks()
    assert lock.status.state is expected


async def test_box_and_unknown_devices(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(
        f"{API}/smartlock",
        json=[
            {
                "smartlockId": 1,
                "accountId": 1,
                "type": 1,
                "name": "Box",
                "serverState": 0,
            },
            {
                "smartlockId": 2,
                "accountId": 1,
                "type": 42,
                "name": "",
                "firmwareVersion": "x",
            },
        ],
    )
    vendor = NukiVendor(hass, {"api_token": TOKEN})
    box, future = await vendor.async_get_locks()
    assert box.capabilities.remote_unlock
    assert not box.capabilities.remote_lock
    assert not box.capabilities.reports_state
    assert (future.name, future.model, future.sw_version) == (
        "2",
        "Nuki device (type 42)",
        None,
    )
    assert not future.capabilities.remote_control
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_lock(box)
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_unlock(future)
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_open(box)
    assert len(aioclient_mock.mock_calls) == 1


@pytest.mark.parametrize(
    "answer",
    [
        {"exc": aiohttp.ClientConnectionError()},
        {"status": HTTPStatus.SERVICE_UNAVAILABLE},
    ],
)
async def test_setup_retry_when_unreachable(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
    answer: dict[str, Any],
) -> None:
    aioclient_mock.get(f"{API}/smartlock", **answer)
    nuki_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(nuki_entry.entry_id)
    await hass.async_block_till_done()
    assert nuki_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_refused_token_starts_reauth(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
) -> None:
    aioclient_mock.get(
        f"{API}/smartlock",
        status=HTTPStatus.UNAUTHORIZED,
        json={"detailMessage": "Your access token is not authorized"},
    )
    nuki_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(nuki_entry.entry_id)
    await hass.async_block_till_done()
    assert nuki_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == nuki_entry.entry_id


async def test_unavailable_while_unreachable_then_back(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{API}/smartlock", exc=aiohttp.ClientConnectionError())
    freezer.tick(NukiVendor.poll_interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("lock.front_door").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.front_door_battery").state == STATE_UNAVAILABLE

    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{API}/smartlock", json=fixture("smartlocks"))
    freezer.tick(NukiVendor.poll_interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("lock.front_door").state == LockState.LOCKED
    assert hass.states.get("sensor.front_door_battery").state == "84"


async def test_keypad_battery_critical(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert (
        hass.states.get("binary_sensor.front_door_keypad_battery_critical").state
        == "off"
    )
    locks = fixture("smartlocks")
    locks[0]["state"]["keypadBatteryCritical"] = True
    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{API}/smartlock", json=locks)
    freezer.tick(NukiVendor.poll_interval)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert (
        hass.states.get("binary_sensor.front_door_keypad_battery_critical").state
        == "on"
    )
    assert hass.states.get("binary_sensor.front_door_battery_critical").state == "off"


# --- remote actions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity_id", "lock_id", "service", "action"),
    [
        ("lock.front_door", FRONT, SERVICE_LOCK, 2),
        ("lock.front_door", FRONT, SERVICE_UNLOCK, 1),
        ("lock.front_door", FRONT, SERVICE_OPEN, 3),
        ("lock.building_entrance", OPENER, SERVICE_UNLOCK, 1),
        ("lock.building_entrance", OPENER, SERVICE_OPEN, 3),
    ],
)
async def test_actions(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    entity_id: str,
    lock_id: str,
    service: str,
    action: int,
) -> None:
    aioclient_mock.post(
        f"{API}/smartlock/{lock_id}/action", status=HTTPStatus.NO_CONTENT
    )
    await hass.services.async_call(
        LOCK_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    assert calls(aioclient_mock, "POST") == [
        (f"{API}/smartlock/{lock_id}/action", {"action": action})
    ]
    _, _, _, headers = aioclient_mock.mock_calls[-2]
    assert headers["Authorization"] == f"Bearer {TOKEN}"


async def test_opener_cannot_lock(
    hass: HomeAssistant, init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            LOCK_DOMAIN,
            SERVICE_LOCK,
            {ATTR_ENTITY_ID: "lock.building_entrance"},
            blocking=True,
        )
    assert calls(aioclient_mock, "POST") == []
    with pytest.raises(VendorUnsupportedError):
        await vendor_of(init_nuki).async_lock(lock_of(init_nuki, OPENER))


@pytest.mark.parametrize(
    ("answer", "key", "detail"),
    [
        (
            {
                "status": HTTPStatus.BAD_REQUEST,
                "json": {"detailMessage": "Smartlock is in maintenance mode"},
            },
            "vendor_rejected",
            "Smartlock is in maintenance mode",
        ),
        (
            {"status": HTTPStatus.PAYMENT_REQUIRED},
            "vendor_rejected",
            "paid subscription",
        ),
        (
            {"status": HTTPStatus.METHOD_NOT_ALLOWED, "text": "<html/>"},
            "vendor_rejected",
            "not allow",
        ),
        (
            {"status": HTTPStatus.IM_A_TEAPOT, "json": ["odd"]},
            "vendor_rejected",
            "HTTP 418",
        ),
        (
            {"status": HTTPStatus.BAD_REQUEST, "json": {"stackTrace": []}},
            "vendor_rejected",
            "HTTP 400",
        ),
        ({"status": HTTPStatus.LOCKED}, "vendor_unavailable", "earlier change"),
        (
            {"status": HTTPStatus.INTERNAL_SERVER_ERROR},
            "vendor_unavailable",
            "HTTP 500",
        ),
        ({"exc": TimeoutError()}, "vendor_unavailable", "could not be reached"),
        ({"status": HTTPStatus.UNAUTHORIZED}, "vendor_auth", "refused the API token"),
    ],
)
async def test_action_errors(
    hass: HomeAssistant,
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    key: str,
    detail: str,
) -> None:
    aioclient_mock.post(f"{API}/smartlock/{FRONT}/action", **answer)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            LOCK_DOMAIN,
            SERVICE_UNLOCK,
            {ATTR_ENTITY_ID: "lock.front_door"},
            blocking=True,
        )
    assert err.value.translation_key == key
    assert detail in err.value.translation_placeholders["detail"]


# --- keypad codes ------------------------------------------------------------------


def expected_put(code: int, name: str = "LB Meier") -> tuple[str, dict[str, Any]]:
    return (
        AUTHS_URL,
        {
            "name": name,
            "type": 13,
            "code": code,
            "remoteAllowed": False,
            "allowedFromDate": "2026-08-01T13:00:00.000Z",
            "allowedUntilDate": "2026-08-05T09:00:00.000Z",
            "allowedWeekDays": 127,
            "allowedFromTime": 0,
            "allowedUntilTime": 0,
        },
    )


async def test_issue_chosen_code(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    existing = fixture("auths")
    aioclient_mock.get(
        AUTHS_URL, side_effect=auths_in_turn(existing, [*existing, new_auth(456789)])
    )
    aioclient_mock.put(AUTHS_URL, status=HTTPStatus.NO_CONTENT)
    front = lock_of(init_nuki, FRONT)
    plan = keypad_plan(front)

    issued = await vendor_of(init_nuki).async_issue_code(front, plan, "Meier", "456789")

    assert calls(aioclient_mock, "PUT") == [expected_put(456789)]
    assert len(calls(aioclient_mock, "GET")) == 1 + 2  # setup, then before and after
    assert issued == IssuedCode(
        lock_id=FRONT,
        kind=CodeKind.KEYPAD,
        code="456789",
        window=plan.window,
        vendor_id="68c2a9f1e3f4a5b6c7d8e901",
        revocable=True,
        notes=(),
    )


async def test_issue_generated_code_avoids_taken_codes(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """The generator is fed the lock's codes; a taken and a "12" draw are skipped."""
    existing = fixture("auths")
    aioclient_mock.get(
        AUTHS_URL, side_effect=auths_in_turn(existing, [*existing, new_auth(456789)])
    )
    aioclient_mock.put(AUTHS_URL, status=HTTPStatus.NO_CONTENT)
    front = lock_of(init_nuki, FRONT)
    draws = iter("345678123456456789")
    with (
        patch(f"{AUTHS}.generate_code", wraps=generate_code) as generator,
        patch(
            "custom_components.lockbooking.planner.secrets.choice",
            side_effect=lambda _: next(draws),
        ),
    ):
        issued = await vendor_of(init_nuki).async_issue_code(
            front, keypad_plan(front), "Meier", None
        )
    generator.assert_called_once_with(NUKI_KEYPAD, {"345678", "987654"})
    assert issued.code == "456789"
    assert calls(aioclient_mock, "PUT") == [expected_put(456789)]


async def test_issue_generated_codes_follow_the_rules(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    listed = fixture("auths")

    async def created(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        listed.append(new_auth(data["code"]) | {"id": f"auth-{data['code']}"})
        return AiohttpClientMockResponse(method, url, status=HTTPStatus.NO_CONTENT)

    async def listing(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        return AiohttpClientMockResponse(method, url, json=list(listed))

    aioclient_mock.get(AUTHS_URL, side_effect=listing)
    aioclient_mock.put(AUTHS_URL, side_effect=created)
    front = lock_of(init_nuki, FRONT)
    plan = keypad_plan(front)
    with patch(f"{AUTHS}.FIND_DELAYS", (0.0,)):
        for _ in range(40):
            issued = await vendor_of(init_nuki).async_issue_code(front, plan, "G", None)
            assert code_problem(NUKI_KEYPAD, issued.code) is None
            assert issued.code not in {"345678", "987654"}
    sent = [body["code"] for _, body in calls(aioclient_mock, "PUT")]
    assert len(sent) == 40
    assert all(isinstance(code, int) and 111111 <= code <= 999999 for code in sent)


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(111111, 999999).map(str), max_size=200))
def test_generated_code_fits_nuki_rules(taken: set[str]) -> None:
    code = generate_code(NUKI_KEYPAD, taken)
    assert len(code) == 6
    assert set(code) <= set("123456789")
    assert not code.startswith("12")
    assert code not in taken


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("103456", "digits 1 to 9"),
        ("123456", '"12"'),
        ("12345", "exactly 6 digits"),
        ("1234567", "exactly 6 digits"),
        ("34567a", "digits 1 to 9"),
        ("345678", "already in use"),
        ("987654", "already in use"),
    ],
)
async def test_issue_refuses_unfit_chosen_code(
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    code: str,
    message: str,
) -> None:
    aioclient_mock.get(AUTHS_URL, json=fixture("auths"))
    front = lock_of(init_nuki, FRONT)
    with pytest.raises(VendorRejectedError) as err:
        await vendor_of(init_nuki).async_issue_code(
            front, keypad_plan(front), "Meier", code
        )
    assert message in err.value.detail
    assert code not in str(err.value)
    assert calls(aioclient_mock, "PUT") == []


async def test_issue_finds_code_that_appears_late(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    existing = fixture("auths")
    aioclient_mock.get(
        AUTHS_URL,
        side_effect=auths_in_turn(
            existing, existing, existing, [*existing, new_auth(456789)]
        ),
    )
    aioclient_mock.put(AUTHS_URL, status=HTTPStatus.NO_CONTENT)
    front = lock_of(init_nuki, FRONT)
    issued = await vendor_of(init_nuki).async_issue_code(
        front, keypad_plan(front), "Meier", "456789"
    )
    assert issued.vendor_id == "68c2a9f1e3f4a5b6c7d8e901"
    assert len(calls(aioclient_mock, "GET")) == 1 + 4


async def test_issue_survives_failed_lookups(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    existing = fixture("auths")
    answers = [existing, None, [*existing, new_auth(456789)]]

    async def answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        body = answers.pop(0)
        if body is None:
            return AiohttpClientMockResponse(method, url, status=HTTPStatus.BAD_GATEWAY)
        return AiohttpClientMockResponse(method, url, json=body)

    aioclient_mock.get(AUTHS_URL, side_effect=answer)
    aioclient_mock.put(AUTHS_URL, status=HTTPStatus.NO_CONTENT)
    front = lock_of(init_nuki, FRONT)
    issued = await vendor_of(init_nuki).async_issue_code(
        front, keypad_plan(front), "Meier", "456789"
    )
    assert issued.vendor_id == "68c2a9f1e3f4a5b6c7d8e901"


async def test_issue_prefers_the_auth_with_our_name(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """Should two new authorizations share the code, the one named by us is kept."""
    existing = fixture("auths")
    other = new_auth(456789, name="Someone else") | {"id": "other"}
    ours = new_auth(456789, name="LB Anna Maria Lopez")
    aioclient_mock.get(
        AUTHS_URL, side_effect=auths_in_turn(existing, [*existing, other, ours])
    )
    aioclient_mock.put(AUTHS_URL, status=HTTPStatus.NO_CONTENT)
    front = lock_of(init_nuki, FRONT)
    issued = await vendor_of(init_nuki).async_issue_code(
        front, keypad_plan(front), "  Anna   Maria\tLopez Garcia ", "456789"
    )
    # Spaces collapsed, cut to Nuki's 20 characters, no trailing space.
    assert calls(aioclient_mock, "PUT")[0][1]["name"] == "LB Anna Maria Lopez"
    assert issued.vendor_id == ours["id"]


async def test_issue_never_listed_then_revoked_by_code(
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A code Nuki never confirms is not issued: its outcome is unknown, its digits kept.

    A record of an older version without the authorization's id is revoked by its code.
    """
    existing = fixture("auths")
    aioclient_mock.get(
        AUTHS_URL,
        side_effect=auths_in_turn(
            existing,
            *[existing] * len(FIND_DELAYS),
            [*existing, new_auth(456789)],
            existing,
        ),
    )
    aioclient_mock.put(AUTHS_URL, status=HTTPStatus.NO_CONTENT)
    aioclient_mock.delete(
        f"{AUTHS_URL}/68c2a9f1e3f4a5b6c7d8e901", status=HTTPStatus.NO_CONTENT
    )
    vendor = vendor_of(init_nuki)
    front = lock_of(init_nuki, FRONT)
    plan = keypad_plan(front)
    with pytest.raises(VendorUnavailableError) as err:
        await vendor.async_issue_code(front, plan, "Meier", "456789")

    assert not err.value.unprocessed
    assert err.value.sent_code == "456789"
    assert "456789" not in str(err.value)
    assert len(calls(aioclient_mock, "PUT")) == 1  # never created twice
    assert len(calls(aioclient_mock, "GET")) == 1 + 1 + len(FIND_DELAYS)
    assert "did not confirm the new keypad code" in caplog.text

    unlisted = IssuedCode(FRONT, CodeKind.KEYPAD, "456789", plan.window)
    await vendor.async_revoke_code(front, unlisted)
    assert calls(aioclient_mock, "DELETE") == [
        (f"{AUTHS_URL}/68c2a9f1e3f4a5b6c7d8e901", None)
    ]


async def test_revoke_unlisted_code_that_is_gone(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(AUTHS_URL, json=fixture("auths"))
    front = lock_of(init_nuki, FRONT)
    issued = IssuedCode(FRONT, CodeKind.KEYPAD, "456789", Window(ARRIVAL, DEPARTURE))
    await vendor_of(init_nuki).async_revoke_code(front, issued)
    assert calls(aioclient_mock, "DELETE") == []


async def test_issue_notes_lock_error(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    existing = fixture("auths")
    failed = new_auth(
        456789, error="Keypad code 456789 could not be sent to the keypad"
    )
    aioclient_mock.get(
        AUTHS_URL, side_effect=auths_in_turn(existing, [*existing, failed])
    )
    aioclient_mock.put(AUTHS_URL, status=HTTPStatus.NO_CONTENT)
    front = lock_of(init_nuki, FRONT)
    plan = keypad_plan(front)
    issued = await vendor_of(init_nuki).async_issue_code(front, plan, "Meier", "456789")
    assert issued.vendor_id == failed["id"]
    assert "could not be sent" in issued.notes[-1]
    assert "456789" not in issued.notes[-1]


@pytest.mark.parametrize(
    ("answer", "error", "detail"),
    [
        (
            {
                "status": HTTPStatus.BAD_REQUEST,
                "json": {"detailMessage": "The supplied value 456789 is not valid"},
            },
            VendorRejectedError,
            "The supplied value ****** is not valid",
        ),
        ({"status": HTTPStatus.PAYMENT_REQUIRED}, VendorRejectedError, "paid"),
        ({"status": HTTPStatus.CONFLICT}, VendorRejectedError, "conflicts"),
        ({"status": HTTPStatus.UPGRADE_REQUIRED}, VendorRejectedError, "upgrade"),
        ({"status": HTTPStatus.FORBIDDEN}, VendorRejectedError, "permissions"),
        ({"status": HTTPStatus.UNAUTHORIZED}, VendorAuthError, "token"),
        ({"status": HTTPStatus.TOO_MANY_REQUESTS}, VendorUnavailableError, "429"),
        (
            {
                "status": HTTPStatus.SERVICE_UNAVAILABLE,
                "json": {"message": "Maintenance"},
            },
            VendorUnavailableError,
            "Maintenance",
        ),
        ({"exc": aiohttp.ServerDisconnectedError()}, VendorUnavailableError, "reached"),
    ],
)
async def test_issue_errors(
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    error: type[Exception],
    detail: str,
) -> None:
    aioclient_mock.get(AUTHS_URL, json=fixture("auths"))
    aioclient_mock.put(AUTHS_URL, **answer)
    front = lock_of(init_nuki, FRONT)
    with pytest.raises(error) as err:
        await vendor_of(init_nuki).async_issue_code(
            front, keypad_plan(front), "Meier", "456789"
        )
    assert detail in err.value.detail
    assert "456789" not in str(err.value)
    assert TOKEN not in str(err.value)
    assert len(calls(aioclient_mock, "GET")) == 1 + 1  # no look-up after a refusal


async def test_issue_on_lock_without_keypad(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    cellar = lock_of(init_nuki, CELLAR)
    assert cellar.code_rules == ()
    plan = keypad_plan(lock_of(init_nuki, FRONT))
    with pytest.raises(VendorUnsupportedError):
        await vendor_of(init_nuki).async_issue_code(cellar, plan, "Meier", None)
    assert len(aioclient_mock.mock_calls) == 1  # only the setup's refresh


async def test_revoke(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    url = f"{AUTHS_URL}/68b0c1d2e3f4a5b6c7d8e9f0"
    aioclient_mock.delete(url, status=HTTPStatus.NO_CONTENT)
    # The lock has applied the delete when the list no longer shows the code.
    aioclient_mock.get(AUTHS_URL, json=fixture("auths")[:2])
    issued = IssuedCode(
        FRONT,
        CodeKind.KEYPAD,
        "987654",
        Window(ARRIVAL, DEPARTURE),
        vendor_id="68b0c1d2e3f4a5b6c7d8e9f0",
    )
    await vendor_of(init_nuki).async_revoke_code(lock_of(init_nuki, FRONT), issued)
    assert calls(aioclient_mock, "DELETE") == [(url, None)]
    for _, _, _, headers in aioclient_mock.mock_calls[-2:]:
        assert headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (HTTPStatus.NOT_FOUND, None),
        (HTTPStatus.LOCKED, VendorUnavailableError),
        (HTTPStatus.FORBIDDEN, VendorRejectedError),
        (HTTPStatus.UNAUTHORIZED, VendorAuthError),
    ],
)
async def test_revoke_errors(
    init_nuki: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    status: HTTPStatus,
    error: type[Exception] | None,
) -> None:
    aioclient_mock.delete(f"{AUTHS_URL}/68b0c1d2e3f4a5b6c7d8e9f0", status=status)
    issued = IssuedCode(
        FRONT,
        CodeKind.KEYPAD,
        "987654",
        Window(ARRIVAL, DEPARTURE),
        vendor_id="68b0c1d2e3f4a5b6c7d8e9f0",
    )
    vendor = vendor_of(init_nuki)
    if error is None:
        await vendor.async_revoke_code(lock_of(init_nuki, FRONT), issued)
    else:
        with pytest.raises(error):
            await vendor.async_revoke_code(lock_of(init_nuki, FRONT), issued)


async def test_no_secrets_in_logs(
    hass: HomeAssistant,
    nuki_api: AiohttpClientMocker,
    nuki_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    nuki_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(nuki_entry.entry_id)
    await hass.async_block_till_done()
    existing = fixture("auths")
    nuki_api.get(
        AUTHS_URL, side_effect=auths_in_turn(existing, [*existing, new_auth(456789)])
    )
    nuki_api.put(
        AUTHS_URL,
        status=HTTPStatus.BAD_REQUEST,
        json={"detailMessage": "Code 456789 rejected"},
    )
    front = lock_of(nuki_entry, FRONT)
    with pytest.raises(VendorRejectedError):
        await vendor_of(nuki_entry).async_issue_code(
            front, keypad_plan(front), "Meier", "456789"
        )
    assert "Nuki GET /smartlock answered 200" in caplog.text
    assert TOKEN not in caplog.text
    assert "456789" not in caplog.text


# --- code uses from the activity log ------------------------------------------------


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def log_entry(at: datetime, entry_id: str, **extra: Any) -> dict[str, Any]:
    """A keypad code's successful unlock of the front door, as Nuki logs it."""
    return {
        "id": entry_id,
        "smartlockId": int(FRONT),
        "deviceType": 4,
        "authId": OUR_AUTH,
        "name": "LB Meier",
        "action": 1,
        "trigger": 255,
        "state": 0,
        "autoUnlock": False,
        "date": f"{at:%Y-%m-%dT%H:%M:%S}.000Z",
        "source": 1,
        **extra,
    }


async def nuki_locks(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    smartlocks: list[dict[str, Any]] | None = None,
) -> tuple[NukiVendor, dict[str, Lock]]:
    aioclient_mock.get(f"{API}/smartlock", json=smartlocks or fixture("smartlocks"))
    vendor = NukiVendor(hass, {"api_token": TOKEN})
    return vendor, {lock.id: lock for lock in await vendor.async_get_locks()}


async def test_code_uses_from_log(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Only successful openings by a keypad code count, each named by its auth's id.

    Left out: a lock by code, a fingerprint, a refused code, a failed unlock, the app,
    a manual turn, a door sensor event, a keypad error, lock 'n' go without unlatch,
    another lock's entry and one from before `since`.
    """
    vendor, locks = await nuki_locks(hass, aioclient_mock)
    aioclient_mock.get(LOG_URL, json=fixture("log"))

    uses = await vendor.async_get_code_uses(locks[FRONT], ARRIVAL)

    assert uses == [
        CodeUse(at=utc("2026-08-01T17:12:09"), vendor_id=CLEANER_AUTH),
        CodeUse(at=utc("2026-08-01T16:42:11"), vendor_id=OUR_AUTH),
        CodeUse(at=utc("2026-08-01T13:10:00"), vendor_id=CLEANER_AUTH),
    ]
    assert log_queries(aioclient_mock) == [
        {"fromDate": "2026-08-01T13:00:00.000Z", "limit": str(LOG_PAGE_SIZE)}
    ]


async def test_code_use_names_the_issued_code(
    init_nuki: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """The log's authId is the id kept as the issued code's vendor_id."""
    existing = fixture("auths")
    aioclient_mock.get(
        AUTHS_URL, side_effect=auths_in_turn(existing, [*existing, new_auth(456789)])
    )
    aioclient_mock.put(AUTHS_URL, status=HTTPStatus.NO_CONTENT)
    aioclient_mock.get(LOG_URL, json=fixture("log"))
    front = lock_of(init_nuki, FRONT)
    vendor = vendor_of(init_nuki)
    issued = await vendor.async_issue_code(front, keypad_plan(front), "Meier", "456789")

    uses = await vendor.async_get_code_uses(front, ARRIVAL)

    assert [use.at for use in uses if use.vendor_id == issued.vendor_id] == [
        utc("2026-08-01T16:42:11")
    ]


async def test_code_uses_of_an_opener_with_keypad(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """An Opener's openings are ring to open and the electric strike, not action 5."""
    smartlocks = fixture("smartlocks")
    smartlocks[2]["config"] = {**smartlocks[2].get("config", {}), "keypadPaired": True}
    vendor, locks = await nuki_locks(hass, aioclient_mock, smartlocks)
    opener = locks[OPENER]
    assert opener.capabilities.reports_code_use
    start = ARRIVAL.astimezone(UTC)
    entries = [
        log_entry(start + timedelta(minutes=30), "68ad0e54a1b2c3d4e5f61003", action=5),
        log_entry(start + timedelta(minutes=20), "68ad0e54a1b2c3d4e5f61002", action=3),
        log_entry(start + timedelta(minutes=10), "68ad0e54a1b2c3d4e5f61001", action=1),
    ]
    for entry in entries:
        entry.update(smartlockId=int(OPENER), deviceType=2)
    aioclient_mock.get(f"{API}/smartlock/{OPENER}/log", json=entries)

    uses = await vendor.async_get_code_uses(opener, ARRIVAL)

    assert [use.at for use in uses] == [
        start + timedelta(minutes=20),
        start + timedelta(minutes=10),
    ]


async def test_code_uses_follow_older_pages(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A full page leads to the next older one, from its last entry's id."""
    vendor, locks = await nuki_locks(hass, aioclient_mock)
    start = ARRIVAL.astimezone(UTC)
    newer = [
        log_entry(
            start + timedelta(hours=2, minutes=-i), f"68ad0e54a1b2c3d4e5f6{i:04x}"
        )
        for i in range(LOG_PAGE_SIZE)
    ]
    older = [log_entry(start + timedelta(minutes=5), "68ad0e54a1b2c3d4e5f6ffff")]
    cursor = newer[-1]["id"]
    aioclient_mock.get(f"{LOG_URL}?id={cursor}", json=older)
    aioclient_mock.get(LOG_URL, json=newer)

    uses = await vendor.async_get_code_uses(locks[FRONT], ARRIVAL)

    assert len(uses) == LOG_PAGE_SIZE + 1
    assert uses[-1].at == start + timedelta(minutes=5)
    first, second = log_queries(aioclient_mock)
    assert "id" not in first
    assert second == first | {"id": cursor}


async def test_code_uses_stop_at_since(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A full page reaching back before `since` is the last one asked for."""
    vendor, locks = await nuki_locks(hass, aioclient_mock)
    start = ARRIVAL.astimezone(UTC)
    page = [
        log_entry(
            start + timedelta(minutes=LOG_PAGE_SIZE - 2 - i),
            f"68ad0e54a1b2c3d4e5f6{i:04x}",
        )
        for i in range(LOG_PAGE_SIZE)
    ]
    aioclient_mock.get(LOG_URL, json=page)

    uses = await vendor.async_get_code_uses(locks[FRONT], ARRIVAL)

    assert len(uses) == LOG_PAGE_SIZE - 1
    assert len(log_queries(aioclient_mock)) == 1


async def test_code_uses_read_a_bounded_number_of_pages(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    vendor, locks = await nuki_locks(hass, aioclient_mock)
    start = ARRIVAL.astimezone(UTC) + timedelta(days=1)
    pages = iter(range(100))

    async def full_page(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        page = next(pages)
        body = [
            log_entry(
                start - timedelta(minutes=page * LOG_PAGE_SIZE + i),
                f"68ad0e54a1b2c3d4e5f6{page:02x}{i:02x}",
            )
            for i in range(LOG_PAGE_SIZE)
        ]
        return AiohttpClientMockResponse(method, url, json=body)

    aioclient_mock.get(LOG_URL, side_effect=full_page)

    uses = await vendor.async_get_code_uses(locks[FRONT], ARRIVAL)

    assert len(uses) == LOG_PAGES * LOG_PAGE_SIZE
    assert len(log_queries(aioclient_mock)) == LOG_PAGES


async def test_code_uses_skip_unreadable_entries(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    vendor, locks = await nuki_locks(hass, aioclient_mock)
    start = ARRIVAL.astimezone(UTC)
    good = log_entry(start + timedelta(minutes=1), "68ad0e54a1b2c3d4e5f60001")
    aioclient_mock.get(
        LOG_URL,
        json=[
            good | {"date": "2026-08-01T15:00:00"},
            good | {"date": None},
            good | {"authId": ""},
            good | {"authId": 4120},
            good | {"trigger": "255"},
            good | {"action": True},
            good | {"source": "1"},
            "not an entry",
            good,
        ],
    )

    uses = await vendor.async_get_code_uses(locks[FRONT], ARRIVAL)

    assert uses == [CodeUse(at=start + timedelta(minutes=1), vendor_id=OUR_AUTH)]


async def test_reports_code_use_only_with_keypad(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    smartlocks = fixture("smartlocks")
    keypad = {"keypadPaired": True}
    smartlocks += [
        {"smartlockId": 1, "type": 1, "name": "Box", "config": keypad},
        {"smartlockId": 2, "type": 42, "name": "Future", "config": keypad},
    ]
    vendor, locks = await nuki_locks(hass, aioclient_mock, smartlocks)

    reporting = {
        key for key, lock in locks.items() if lock.capabilities.reports_code_use
    }

    assert reporting == {FRONT, SHED}
    with pytest.raises(VendorUnsupportedError):
        await vendor.async_get_code_uses(locks[CELLAR], ARRIVAL)
    assert log_queries(aioclient_mock) == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": HTTPStatus.UNAUTHORIZED}, VendorAuthError),
        ({"status": HTTPStatus.TOO_MANY_REQUESTS}, VendorUnavailableError),
        ({"status": HTTPStatus.INTERNAL_SERVER_ERROR}, VendorUnavailableError),
        ({"status": HTTPStatus.FORBIDDEN}, VendorRejectedError),
        ({"json": {"detailMessage": "no list"}}, VendorUnavailableError),
        ({"exc": aiohttp.ClientConnectionError()}, VendorUnavailableError),
    ],
)
async def test_code_uses_errors(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    error: type[Exception],
) -> None:
    vendor, locks = await nuki_locks(hass, aioclient_mock)
    aioclient_mock.get(LOG_URL, **answer)

    with pytest.raises(error):
        await vendor.async_get_code_uses(locks[FRONT], ARRIVAL)
