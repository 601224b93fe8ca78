"""UniFi Access: config flow, doors as locks, visitors with PINs, PIN uses, errors."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
import logging
from typing import Any
from unittest.mock import patch

import aiohttp
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.lockbooking.const import DOMAIN
from custom_components.lockbooking.models import (
    CodeKind,
    CodeUse,
    IssuedCode,
    PlannedCode,
    Window,
)
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.base import (
    VendorAuthError,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from custom_components.lockbooking.vendors.unifi_access import (
    api as unifi_access_api,
    vendor as unifi_access,
)
from custom_components.lockbooking.vendors.unifi_access.vendor import (
    UnifiAccessVendor,
    normalise_host,
    visitor_names,
)
from homeassistant.components.lock import (
    DOMAIN as LOCK_DOMAIN,
    SERVICE_LOCK,
    SERVICE_UNLOCK,
    LockState,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .conftest import (
    BERLIN,
    DOORS_URL,
    GATE_LOCK,
    GENERATED_PIN,
    HOST,
    LOGS_URL,
    MAIN_DOOR,
    MAIN_LOCK,
    OTHER_VISITOR_ID,
    PIN_URL,
    STORAGE,
    TOKEN,
    VISITOR_ID,
    VISITOR_URL,
    VISITORS_URL,
    calls,
    envelope,
    fixture,
    lock_of,
    mock_doors,
    vendor_of,
)


async def _form(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "unifi_access" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "unifi_access"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "unifi_access"
    assert result["errors"] == {}
    return result


async def test_flow_creates_entry(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_doors(aioclient_mock)
    form = await _form(hass)
    schema = form["data_schema"].schema
    verify_key = next(key for key in schema if key == "verify_ssl")
    assert verify_key.default() is True

    with patch(
        "custom_components.lockbooking.vendors.unifi_access.vendor.async_get_clientsession",
        wraps=unifi_access.async_get_clientsession,
    ) as get_session:
        result = await hass.config_entries.flow.async_configure(
            form["flow_id"],
            {"host": f" https://{HOST}:12445/ ", "api_token": TOKEN},
        )
        await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"UniFi Access ({HOST})"
    assert result["result"].unique_id == HOST
    assert result["data"] == {
        "kind": "unifi_access",
        "host": f" https://{HOST}:12445/ ",
        "api_token": TOKEN,
        "verify_ssl": True,
    }
    assert get_session.call_args.kwargs == {"verify_ssl": True}
    method, url, data, headers = aioclient_mock.mock_calls[0]
    assert (method.upper(), str(url), data) == ("GET", DOORS_URL, None)
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert hass.states.get(MAIN_LOCK) is not None


@pytest.mark.parametrize(
    ("response", "error"),
    [
        ({"status": 401, "json": envelope("CODE_AUTH_FAILED")}, "invalid_auth"),
        ({"json": envelope("CODE_ACCESS_TOKEN_INVALID")}, "invalid_auth"),
        ({"status": 403, "text": "Forbidden"}, "invalid_auth"),
        ({"exc": aiohttp.ClientConnectionError()}, "cannot_connect"),
        ({"exc": TimeoutError()}, "cannot_connect"),
        ({"status": 502, "text": "Bad gateway"}, "cannot_connect"),
        ({"text": "<html>UniFi OS</html>"}, "cannot_connect"),
        ({"json": {"code": "SUCCESS", "data": [{"name": "no id"}]}}, "unknown"),
    ],
)
async def test_flow_errors_then_recovers(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    response: dict[str, Any],
    error: str,
) -> None:
    form = await _form(hass)
    mock_doors(aioclient_mock, **response)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"host": HOST, "api_token": TOKEN, "verify_ssl": False}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert not hass.config_entries.async_entries(DOMAIN)

    aioclient_mock.clear_requests()
    mock_doors(aioclient_mock)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"host": HOST, "api_token": TOKEN, "verify_ssl": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_flow_unusable_host(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    form = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"host": "https://", "api_token": TOKEN}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}
    assert not aioclient_mock.mock_calls


async def test_flow_already_configured(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    entry.add_to_hass(hass)
    mock_doors(aioclient_mock)
    form = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"host": f"{HOST}:12445", "api_token": "another-token"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert list(result["data_schema"].schema) == ["api_token"]

    mock_doors(aioclient_mock, status=401, json=envelope("CODE_AUTH_FAILED"))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    aioclient_mock.clear_requests()
    mock_doors(aioclient_mock)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": "new-token"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["api_token"] == "new-token"
    assert entry.data["host"] == HOST
    assert aioclient_mock.mock_calls[0][3]["Authorization"] == "Bearer new-token"


async def test_reauth_wrong_account(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    # Reauth asks for the token only, so the host (the unique id) cannot change; an
    # entry whose unique id no longer matches its host is the one way to get here.
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={"kind": "unifi_access", "host": HOST, "api_token": TOKEN},
        unique_id="10.0.0.2",
    )
    entry.add_to_hass(hass)
    mock_doors(aioclient_mock)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_token": "new-token"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["api_token"] == TOKEN


async def test_reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    entry.add_to_hass(hass)
    mock_doors(aioclient_mock)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": f"https://{HOST}", "api_token": "rotated", "verify_ssl": True},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["verify_ssl"] is True
    assert entry.data["api_token"] == "rotated"


async def test_reconfigure_other_console(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    entry.add_to_hass(hass)
    aioclient_mock.get(
        "https://10.0.0.2:12445/api/v1/developer/doors", json=fixture("doors.json")
    )
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "10.0.0.2", "api_token": TOKEN, "verify_ssl": False}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["host"] == HOST


# --- setup and entities --------------------------------------------------------


async def test_snapshot(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_platform(hass, entity_registry, snapshot, init_entry.entry_id)


async def test_doors_become_locks(
    hass: HomeAssistant, init_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    assert hass.states.get(MAIN_LOCK).state == LockState.LOCKED
    assert hass.states.get(GATE_LOCK).state == LockState.UNLOCKED
    # The storage door has no hub: nothing can open it, so it is not a lock.
    assert STORAGE not in init_entry.runtime_data.coordinator.data
    assert (
        len(er.async_entries_for_config_entry(entity_registry, init_entry.entry_id))
        == 2
    )
    lock = lock_of(init_entry)
    assert lock.capabilities.remote_unlock
    assert not lock.capabilities.remote_lock
    assert not lock.capabilities.battery_level
    assert lock.code_rules[0].kind is CodeKind.VISITOR_PIN
    assert lock.code_rules[0].lengths == (4, 5, 6, 7, 8)
    # Every door a hub controls logs which visitor's PIN opened it.
    assert all(
        door.capabilities.reports_code_use
        for door in init_entry.runtime_data.coordinator.data.values()
    )


async def test_sparse_door_fields(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_doors(
        aioclient_mock,
        json={
            "code": "SUCCESS",
            "msg": "success",
            "data": [{"id": "d1", "name": "Gate"}],
        },
    )
    entry.add_to_hass(hass)
    locks = await UnifiAccessVendor(hass, entry.data).async_get_locks()
    assert [(lock.id, lock.name) for lock in locks] == [("d1", "Gate")]
    assert not locks[0].capabilities.reports_state
    assert locks[0].status.state is None


@pytest.mark.parametrize(
    "response",
    [
        {"exc": aiohttp.ClientConnectionError()},
        {"status": 503, "text": "Service Unavailable"},
        {
            "json": envelope(
                "CODE_SYSTEM_ERROR", "An error occurred on the server's end."
            )
        },
    ],
)
async def test_setup_retry_when_unreachable(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    response: dict[str, Any],
) -> None:
    mock_doors(aioclient_mock, **response)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_auth_failure_starts_reauth(
    hass: HomeAssistant, entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    mock_doors(aioclient_mock, status=401, json=envelope("CODE_ACCESS_TOKEN_INVALID"))
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["context"]["entry_id"] == entry.entry_id


async def test_unavailable_then_back(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    aioclient_mock.clear_requests()
    mock_doors(aioclient_mock, exc=aiohttp.ClientConnectionError())
    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(MAIN_LOCK).state == STATE_UNAVAILABLE

    aioclient_mock.clear_requests()
    mock_doors(aioclient_mock)
    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(MAIN_LOCK).state == LockState.LOCKED


# --- lock and unlock -----------------------------------------------------------


async def _call(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        LOCK_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def test_unlock(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    unlock_url = f"{DOORS_URL}/{MAIN_DOOR}/unlock"
    aioclient_mock.put(unlock_url, json=fixture("success.json"))
    await _call(hass, SERVICE_UNLOCK, MAIN_LOCK)
    assert calls(aioclient_mock)[0] == ("PUT", unlock_url, None)
    # The account is refreshed after the action.
    assert calls(aioclient_mock)[1] == ("GET", DOORS_URL, None)


async def test_lock_refused(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, SERVICE_LOCK, MAIN_LOCK)
    assert err.value.translation_key == "lock_not_supported"
    assert err.value.translation_placeholders == {"lock": "UNVR - 1F - Main Door"}
    assert not [c for c in calls(aioclient_mock) if c[0] != "GET"]
    with pytest.raises(VendorUnsupportedError):
        await vendor_of(init_entry).async_lock(lock_of(init_entry))


async def test_unlock_hub_offline(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.put(
        f"{DOORS_URL}/{MAIN_DOOR}/unlock",
        json=envelope("CODE_DEVICE_DEVICE_OFFLINE", "The device is currently offline."),
    )
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, SERVICE_UNLOCK, MAIN_LOCK)
    assert err.value.translation_key == "vendor_unavailable"
    assert err.value.translation_placeholders["detail"] == "The door's hub is offline."


# --- codes ---------------------------------------------------------------------


def _plan(entry: MockConfigEntry) -> PlannedCode:
    return plan_code(
        lock_of(entry).code_rules,
        Window(
            datetime(2026, 7, 15, 15, 7, 30, tzinfo=BERLIN),
            datetime(2026, 7, 18, 10, 0, tzinfo=BERLIN),
        ),
        BERLIN,
    )


VISITOR_BODY = {
    "first_name": "Anna",
    "last_name": "Schmidt",
    "remarks": "lockbooking",
    "start_time": 1784120820,  # 2026-07-15 15:07 CEST: floored to the minute
    "end_time": 1784361600,  # 2026-07-18 10:00 CEST
    "visit_reason": "Others",
    "resources": [{"id": MAIN_DOOR, "type": "door"}],
}


async def test_issue_code_with_generated_pin(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    aioclient_mock.post(VISITORS_URL, json=fixture("visitor.json"))
    aioclient_mock.post(PIN_URL, json=fixture("pin_code.json"))
    aioclient_mock.put(f"{VISITOR_URL}/pin_codes", json=fixture("success.json"))
    plan = _plan(init_entry)

    issued = await vendor_of(init_entry).async_issue_code(
        lock_of(init_entry), plan, "Anna Schmidt", None
    )

    assert calls(aioclient_mock) == [
        ("POST", VISITORS_URL, VISITOR_BODY),
        ("POST", PIN_URL, None),
        ("PUT", f"{VISITOR_URL}/pin_codes", {"pin_code": GENERATED_PIN}),
    ]
    assert issued == IssuedCode(
        lock_id=MAIN_DOOR,
        kind=CodeKind.VISITOR_PIN,
        code=GENERATED_PIN,
        window=plan.window,
        vendor_id=VISITOR_ID,
        revocable=True,
    )
    assert GENERATED_PIN not in caplog.text
    assert TOKEN not in caplog.text


async def test_issue_chosen_code(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(VISITORS_URL, json=fixture("visitor.json"))
    aioclient_mock.put(f"{VISITOR_URL}/pin_codes", json=fixture("success.json"))

    issued = await vendor_of(init_entry).async_issue_code(
        lock_of(init_entry), _plan(init_entry), "Anna", "482913"
    )

    assert calls(aioclient_mock) == [
        ("POST", VISITORS_URL, {**VISITOR_BODY, "last_name": "Guest"}),
        ("PUT", f"{VISITOR_URL}/pin_codes", {"pin_code": "482913"}),
    ]
    assert issued.code == "482913"
    assert issued.vendor_id == VISITOR_ID


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        ("123", "A UniFi Access PIN has 4 to 8 digits."),
        ("12ab56", "A UniFi Access PIN has digits only."),
    ],
)
async def test_issue_chosen_code_breaking_rules(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    code: str,
    detail: str,
) -> None:
    with pytest.raises(VendorRejectedError) as err:
        await vendor_of(init_entry).async_issue_code(
            lock_of(init_entry), _plan(init_entry), "Anna", code
        )
    assert err.value.detail == detail
    assert not calls(aioclient_mock)


async def test_issue_other_kind_unsupported(
    hass: HomeAssistant, init_entry: MockConfigEntry
) -> None:
    plan = _plan(init_entry)
    with pytest.raises(VendorUnsupportedError):
        await vendor_of(init_entry).async_issue_code(
            lock_of(init_entry),
            PlannedCode(kind=CodeKind.KEYPAD, window=plan.window, rules=plan.rules),
            "Anna",
            None,
        )


@pytest.mark.parametrize(
    ("pin_response", "assign_response", "error", "detail"),
    [
        (
            {"json": fixture("pin_code.json")},
            {
                "json": envelope(
                    "CODE_CREDS_PIN_CODE_CREDS_ALREADY_EXIST",
                    "The PIN code already exists.",
                )
            },
            VendorRejectedError,
            "That PIN is already used by someone else on this site.",
        ),
        (
            {"json": fixture("pin_code.json")},
            {"exc": TimeoutError()},
            VendorUnavailableError,
            "The controller did not answer in time.",
        ),
        (
            {"status": 500, "text": "Internal Server Error"},
            {"json": fixture("success.json")},
            VendorUnavailableError,
            "HTTP 500",
        ),
        (
            {"json": {"code": "SUCCESS", "msg": "success", "data": None}},
            {"json": fixture("success.json")},
            VendorError,
            "The controller did not return a PIN.",
        ),
    ],
)
async def test_issue_rolls_back_visitor(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    pin_response: dict[str, Any],
    assign_response: dict[str, Any],
    error: type[Exception],
    detail: str,
) -> None:
    aioclient_mock.post(VISITORS_URL, json=fixture("visitor.json"))
    aioclient_mock.post(PIN_URL, **pin_response)
    aioclient_mock.put(f"{VISITOR_URL}/pin_codes", **assign_response)
    aioclient_mock.delete(f"{VISITOR_URL}?is_force=true", json=fixture("deleted.json"))

    with pytest.raises(error) as err:
        await vendor_of(init_entry).async_issue_code(
            lock_of(init_entry), _plan(init_entry), "Anna Schmidt", None
        )

    assert err.value.detail == detail
    assert calls(aioclient_mock)[-1] == ("DELETE", f"{VISITOR_URL}?is_force=true", None)


async def test_issue_rollback_failure_keeps_first_error(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    aioclient_mock.post(VISITORS_URL, json=fixture("visitor.json"))
    aioclient_mock.put(
        f"{VISITOR_URL}/pin_codes",
        json=envelope("CODE_CREDS_PIN_CODE_CREDS_LENGTH_INVALID", "Length invalid."),
    )
    aioclient_mock.delete(
        f"{VISITOR_URL}?is_force=true", exc=aiohttp.ClientConnectionError()
    )

    with pytest.raises(VendorRejectedError) as err:
        await vendor_of(init_entry).async_issue_code(
            lock_of(init_entry), _plan(init_entry), "Anna", "48291"
        )

    assert "PIN length" in err.value.detail
    assert f"Could not delete the visitor {VISITOR_ID}" in caplog.text
    assert "48291" not in caplog.text


async def test_issue_without_visitor_id(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(
        VISITORS_URL, json={"code": "SUCCESS", "msg": "success", "data": {}}
    )
    with pytest.raises(VendorError, match="visitor's id"):
        await vendor_of(init_entry).async_issue_code(
            lock_of(init_entry), _plan(init_entry), "Anna", None
        )


def _issued(vendor_id: str | None = VISITOR_ID) -> IssuedCode:
    start = datetime(2026, 7, 15, 15, 0, tzinfo=BERLIN)
    return IssuedCode(
        lock_id=MAIN_DOOR,
        kind=CodeKind.VISITOR_PIN,
        code=GENERATED_PIN,
        window=Window(start, start + timedelta(days=3)),
        vendor_id=vendor_id,
    )


@pytest.mark.parametrize(
    "response",
    [
        {"json": fixture("deleted.json")},
        {
            "status": 404,
            "json": envelope(
                "CODE_RESOURCE_NOT_FOUND", "The requested resource was not found."
            ),
        },
    ],
)
async def test_revoke(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    response: dict[str, Any],
) -> None:
    aioclient_mock.delete(f"{VISITOR_URL}?is_force=true", **response)
    await vendor_of(init_entry).async_revoke_code(lock_of(init_entry), _issued())
    assert calls(aioclient_mock) == [("DELETE", f"{VISITOR_URL}?is_force=true", None)]


async def test_revoke_errors(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    vendor = vendor_of(init_entry)
    with pytest.raises(VendorRejectedError):
        await vendor.async_revoke_code(lock_of(init_entry), _issued(None))
    aioclient_mock.delete(
        f"{VISITOR_URL}?is_force=true",
        json=envelope(
            "CODE_OPERATION_FORBIDDEN", "The requested operation is not allowed."
        ),
    )
    with pytest.raises(VendorRejectedError) as err:
        await vendor.async_revoke_code(lock_of(init_entry), _issued())
    assert err.value.detail == "The controller does not allow this operation."


async def test_create_visitor_not_sent_twice(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # After a 5xx the visitor may exist already: only reads are sent again.
    aioclient_mock.post(VISITORS_URL, status=502, text="Bad Gateway")
    with pytest.raises(VendorUnavailableError):
        await vendor_of(init_entry).async_issue_code(
            lock_of(init_entry), _plan(init_entry), "Anna Schmidt", None
        )
    assert calls(aioclient_mock) == [("POST", VISITORS_URL, VISITOR_BODY)]


# --- code uses (the system log) --------------------------------------------------

# 15:00 CEST and 700 ms: the log's filter takes whole seconds.
SINCE = datetime(2026, 7, 15, 15, 0, 0, 700000, tzinfo=BERLIN)
SINCE_EPOCH = 1784120400
LOGS_PAGE_1 = f"{LOGS_URL}?page_num=1&page_size=100"
LOGS_BODY = {"topic": "door_openings", "since": SINCE_EPOCH}


def _at(hour: int, minute: int, second: int) -> datetime:
    return datetime(2026, 7, 15, hour, minute, second, tzinfo=BERLIN)


async def test_code_uses_from_system_log(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    aioclient_mock.post(LOGS_PAGE_1, json=fixture("system_logs.json"))

    uses = await vendor_of(init_entry).async_get_code_uses(lock_of(init_entry), SINCE)

    # Left out: the same visitor's PIN at the garden gate, its refused PIN, its QR
    # code, the host's own PIN, the app and a card, and a PIN use 0.5 s before `since`.
    assert uses == [
        CodeUse(at=_at(16, 42, 5), vendor_id=VISITOR_ID),
        CodeUse(at=_at(20, 15, 31), vendor_id=VISITOR_ID),
        CodeUse(at=_at(21, 5, 0), vendor_id=OTHER_VISITOR_ID),
    ]
    assert calls(aioclient_mock) == [("POST", LOGS_PAGE_1, LOGS_BODY)]
    assert TOKEN not in caplog.text


async def test_code_uses_other_door(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(LOGS_PAGE_1, json=fixture("system_logs.json"))
    gate = lock_of(init_entry, "5a2c3d4e-1111-4c2b-9a6e-7f0d3c2b1a00")
    uses = await vendor_of(init_entry).async_get_code_uses(gate, SINCE)
    assert uses == [CodeUse(at=_at(16, 50, 12), vendor_id=VISITOR_ID)]


def _granted_hit() -> dict[str, Any]:
    """The visitor's PIN opening the main door at 16:42:05."""
    hits = fixture("system_logs.json")["data"]["hits"]
    return copy.deepcopy(next(hit for hit in hits if hit["_id"].endswith("00000004")))


def _log_page(hits: list[dict[str, Any]]) -> dict[str, Any]:
    return {"code": "SUCCESS", "msg": "success", "data": {"hits": hits}}


def _change(hit: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, key = path.split(".")
    node = hit
    for parent in parents:
        node = node[parent]
    if value is None:
        del node[key]
    else:
        node[key] = value
    return hit


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("_source.event.type", "access.doorbell.completed"),
        ("_source.event.result", "BLOCKED"),
        ("_source.authentication.credential_provider", "NFC"),
        ("_source.authentication", None),
        ("_source.actor.type", "user"),
        ("_source.actor.id", ""),
        ("_source.actor", None),
        ("_source.target", [{"type": "door", "id": STORAGE}]),
        ("_source.target", None),
        ("_source", None),
        ("_source.event.published", None),
    ],
)
async def test_code_uses_skip_entries(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    path: str,
    value: Any,
) -> None:
    hit = _change(_granted_hit(), path, value)
    if path == "_source.event.published":
        del hit["@timestamp"]  # no time at all
    aioclient_mock.post(
        LOGS_PAGE_1,
        json={"code": "SUCCESS", "msg": "success", "data": {"hits": [hit]}},
    )
    assert (
        await vendor_of(init_entry).async_get_code_uses(lock_of(init_entry), SINCE)
        == []
    )


async def test_code_uses_lenient_fields(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # Without `published` the ISO `@timestamp` tells the time; case does not matter.
    hit = _change(_granted_hit(), "_source.event.published", None)
    _change(hit, "_source.event.result", "access")
    _change(hit, "_source.actor.type", "Visitor")
    _change(hit, "_source.authentication.credential_provider", "pin_code")
    aioclient_mock.post(
        LOGS_PAGE_1,
        json={"code": "SUCCESS", "msg": "success", "data": {"hits": [hit, hit]}},
    )
    uses = await vendor_of(init_entry).async_get_code_uses(lock_of(init_entry), SINCE)
    assert uses == [CodeUse(at=_at(16, 42, 5), vendor_id=VISITOR_ID)]


async def test_code_uses_time_in_ms(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # `published` has the milliseconds `@timestamp` lacks: 200 ms after `since`.
    hit = _change(_granted_hit(), "_source.event.published", SINCE_EPOCH * 1000 + 900)
    _change(hit, "@timestamp", "2026-07-15T13:00:00Z")
    aioclient_mock.post(LOGS_PAGE_1, json=_log_page([hit]))
    uses = await vendor_of(init_entry).async_get_code_uses(lock_of(init_entry), SINCE)
    assert uses == [
        CodeUse(at=SINCE + timedelta(milliseconds=200), vendor_id=VISITOR_ID)
    ]


@pytest.mark.parametrize(
    "data", [None, {"hits": None, "page": 1, "total": 0}, {"hits": []}, []]
)
async def test_code_uses_empty_log(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    data: Any,
) -> None:
    aioclient_mock.post(
        LOGS_PAGE_1, json={"code": "SUCCESS", "msg": "success", "data": data}
    )
    assert (
        await vendor_of(init_entry).async_get_code_uses(lock_of(init_entry), SINCE)
        == []
    )
    assert len(aioclient_mock.mock_calls) == 1


@pytest.mark.parametrize("data", ["hits", {"hits": {"0": {}}}])
async def test_code_uses_unreadable_log(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    data: Any,
) -> None:
    aioclient_mock.post(
        LOGS_PAGE_1, json={"code": "SUCCESS", "msg": "success", "data": data}
    )
    with pytest.raises(VendorError, match="system log"):
        await vendor_of(init_entry).async_get_code_uses(lock_of(init_entry), SINCE)


async def test_code_uses_follow_full_pages(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    filler = _change(_granted_hit(), "_source.event.result", "BLOCKED")
    aioclient_mock.post(
        f"{LOGS_URL}?page_num=1&page_size=3", json=_log_page([filler] * 3)
    )
    aioclient_mock.post(
        f"{LOGS_URL}?page_num=2&page_size=3", json=_log_page([filler, _granted_hit()])
    )
    with patch.object(unifi_access_api, "SYSTEM_LOG_PAGE_SIZE", 3):
        uses = await vendor_of(init_entry).async_get_code_uses(
            lock_of(init_entry), SINCE
        )
    assert uses == [CodeUse(at=_at(16, 42, 5), vendor_id=VISITOR_ID)]
    assert [url for _, url, _ in calls(aioclient_mock)] == [
        f"{LOGS_URL}?page_num=1&page_size=3",
        f"{LOGS_URL}?page_num=2&page_size=3",
    ]


async def test_code_uses_pages_bounded(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # A console that answers every page full (or ignores paging) is not read forever.
    aioclient_mock.post(LOGS_URL, json=_log_page([_granted_hit()] * 3))
    with patch.object(unifi_access_api, "SYSTEM_LOG_PAGE_SIZE", 3):
        uses = await vendor_of(init_entry).async_get_code_uses(
            lock_of(init_entry), SINCE
        )
    assert uses == [CodeUse(at=_at(16, 42, 5), vendor_id=VISITOR_ID)]
    assert len(aioclient_mock.mock_calls) == unifi_access_api.MAX_SYSTEM_LOG_PAGES


@pytest.mark.parametrize(
    ("response", "error", "attempts"),
    [
        ({"status": 401, "text": ""}, VendorAuthError, 1),
        ({"json": envelope("CODE_ACCESS_TOKEN_INVALID")}, VendorAuthError, 1),
        ({"status": 429, "text": "Too Many Requests"}, VendorUnavailableError, 3),
        ({"status": 503, "text": "Service Unavailable"}, VendorUnavailableError, 3),
        # A read: sent again after a timeout too, unlike a write.
        ({"exc": TimeoutError()}, VendorUnavailableError, 3),
        (
            {
                "json": envelope(
                    "CODE_UNAUTHORIZED", "You not are allowed to perform this action."
                )
            },
            VendorRejectedError,
            1,
        ),
    ],
)
async def test_code_uses_errors(
    hass: HomeAssistant,
    init_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    response: dict[str, Any],
    error: type[Exception],
    attempts: int,
) -> None:
    aioclient_mock.post(LOGS_PAGE_1, **response)
    with pytest.raises(error) as err:
        await vendor_of(init_entry).async_get_code_uses(lock_of(init_entry), SINCE)
    assert len(aioclient_mock.mock_calls) == attempts
    assert TOKEN not in str(err.value)


# --- error mapping -------------------------------------------------------------


@pytest.mark.parametrize("verify_ssl", [True, False])
async def test_session_follows_verify_ssl(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    verify_ssl: bool,
) -> None:
    mock_doors(aioclient_mock)
    data = {key: value for key, value in entry.data.items() if key != "verify_ssl"}
    if not verify_ssl:
        data["verify_ssl"] = False
    with patch(
        "custom_components.lockbooking.vendors.unifi_access.vendor.async_get_clientsession",
        wraps=unifi_access.async_get_clientsession,
    ) as get_session:
        await UnifiAccessVendor(hass, data).async_get_locks()
    assert get_session.call_args.kwargs == {"verify_ssl": verify_ssl}
    # The library is given a ready context, so it neither builds one in the event loop
    # nor warns on every start.
    assert "verification disabled" not in caplog.text


# --- helpers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("192.168.1.1", "192.168.1.1"),
        (" https://192.168.1.1:12445/ ", "192.168.1.1"),
        ("HTTPS://Console.Local/access", "Console.Local"),
        ("console.local:8443", "console.local"),
        ("[fe80::1]:12445", "[fe80::1]"),
        ("fe80::1", "[fe80::1]"),
    ],
)
def test_normalise_host(raw: str, host: str) -> None:
    assert normalise_host(raw) == host


async def test_unique_id_is_lower_case_host(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    aioclient_mock.get(
        "https://console.local:12445/api/v1/developer/doors", json=fixture("doors.json")
    )
    identity = await UnifiAccessVendor(
        hass, {"host": "https://Console.Local:12445", "api_token": TOKEN}
    ).async_identify()
    assert identity.unique_id == "console.local"
    assert identity.title == "UniFi Access (Console.Local)"


@pytest.mark.parametrize(
    ("name", "names"),
    [
        ("Anna", ("Anna", "Guest")),
        ("  Anna  Maria   Schmidt ", ("Anna", "Maria Schmidt")),
        ("", ("LockBooking", "Guest")),
    ],
)
def test_visitor_names(name: str, names: tuple[str, str]) -> None:
    assert visitor_names(name) == names
