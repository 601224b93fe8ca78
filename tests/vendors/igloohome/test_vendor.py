"""The igloohome vendor: config flow, entities, token, bridge jobs, algoPINs and errors."""

from __future__ import annotations

from base64 import b64encode
from datetime import datetime, timedelta
import logging
from typing import Any
from unittest.mock import patch

from aiohttp import ClientConnectionError
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
    IssuedCode,
    Lock,
    PlannedCode,
    Window,
)
from custom_components.lockbooking.planner import PlanRefused, plan_code
from custom_components.lockbooking.vendors.base import (
    VendorAuthError,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from custom_components.lockbooking.vendors.igloohome.api import (
    API_URL,
    SCOPES,
    TOKEN_URL,
)
from custom_components.lockbooking.vendors.igloohome.rules import (
    IGLOOHOME_BRIDGE_PIN,
    IGLOOHOME_DAILY,
    IGLOOHOME_HOURLY,
)
from custom_components.lockbooking.vendors.igloohome.vendor import (
    IgloohomeVendor,
    code_rules_for,
)
from custom_components.lockbooking.vendors.nuki_common import NUKI_KEYPAD
from homeassistant.components.lock import (
    DOMAIN as LOCK_DOMAIN,
    SERVICE_LOCK,
    SERVICE_UNLOCK,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er

from .conftest import (
    BERLIN,
    BRIDGE,
    CLIENT_ID,
    CLIENT_SECRET,
    DEVICES_URL,
    FRONT_DOOR,
    JOB_ID,
    JOB_STATUS_URL,
    JOB_URL,
    PADLOCK,
    TOKEN,
    calls,
    fixture,
    in_turn,
    lock_of,
    replace_mock,
    respond,
    vendor_of,
)


async def _igloohome_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "igloohome" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "igloohome"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "igloohome"
    assert result["errors"] == {}
    return result["flow_id"]


async def test_flow_creates_entry(
    hass: HomeAssistant, igloo_api: AiohttpClientMocker
) -> None:
    flow_id = await _igloohome_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "igloohome"
    assert result["data"] == {
        "kind": "igloohome",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert result["result"].unique_id == CLIENT_ID

    _, _, data, headers = calls(igloo_api, "post", TOKEN_URL)[0]
    basic = b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert headers["Authorization"] == f"Basic {basic}"
    assert data == {"grant_type": "client_credentials", "scope": " ".join(SCOPES)}
    _, _, _, headers = calls(igloo_api, "get", DEVICES_URL)[0]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    await hass.async_block_till_done()
    assert hass.states.get("lock.front_door") is not None


@pytest.mark.parametrize(
    ("url", "answer", "error"),
    [
        (
            TOKEN_URL,
            {"status": 400, "json": {"error": "invalid_client"}},
            "invalid_auth",
        ),
        (
            TOKEN_URL,
            {"status": 400, "json": {"error": "invalid_scope"}},
            "invalid_auth",
        ),
        (TOKEN_URL, {"exc": ClientConnectionError()}, "cannot_connect"),
        (TOKEN_URL, {"exc": TimeoutError()}, "cannot_connect"),
        (TOKEN_URL, {"status": 503, "text": "Service Unavailable"}, "cannot_connect"),
        (
            TOKEN_URL,
            {"status": 200, "json": {"token_type": "Bearer"}},
            "cannot_connect",
        ),
        (
            DEVICES_URL,
            {"status": 401, "json": {"message": "Unauthorized"}},
            "invalid_auth",
        ),
        (
            DEVICES_URL,
            {"status": 403, "json": {"message": "User is not authorized"}},
            "invalid_auth",
        ),
        (
            DEVICES_URL,
            {"status": 502, "json": {"message": "Bad gateway"}},
            "cannot_connect",
        ),
        (DEVICES_URL, {"status": 200, "text": "<html>oops</html>"}, "unknown"),
        (DEVICES_URL, {"status": 200, "json": ["not", "an", "object"]}, "unknown"),
    ],
)
async def test_flow_errors_then_recovery(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    url: str,
    answer: dict[str, Any],
    error: str,
) -> None:
    method = "post" if url == TOKEN_URL else "get"
    aioclient_mock.request(method, url, **answer)
    aioclient_mock.post(TOKEN_URL, json=fixture("token.json"))
    flow_id = await _igloohome_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    aioclient_mock.clear_requests()
    aioclient_mock.post(TOKEN_URL, json=fixture("token.json"))
    aioclient_mock.get(DEVICES_URL, json=fixture("devices.json"))
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_flow_already_configured(
    hass: HomeAssistant, igloo_entry: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_entry.add_to_hass(hass)
    flow_id = await _igloohome_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"client_id": f" {CLIENT_ID} ", "client_secret": "other-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    result = await init_igloo.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert list(result["data_schema"].schema) == ["client_secret"]

    replace_mock(
        igloo_api, "post", TOKEN_URL, status=400, json={"error": "invalid_client"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_secret": "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    replace_mock(igloo_api, "post", TOKEN_URL, json=fixture("token.json"))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_secret": "new-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_igloo.data["client_secret"] == "new-secret"
    assert init_igloo.data["client_id"] == CLIENT_ID
    await hass.async_block_till_done()
    assert init_igloo.state is ConfigEntryState.LOADED


async def test_reconfigure(hass: HomeAssistant, init_igloo: MockConfigEntry) -> None:
    result = await init_igloo.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    # The client id is suggested, the secret is not.
    suggested = {
        str(key): key.description.get("suggested_value")
        for key in result["data_schema"].schema
        if key.description
    }
    assert suggested == {"client_id": CLIENT_ID}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_id": CLIENT_ID, "client_secret": "rotated"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_igloo.data["client_secret"] == "rotated"


async def test_reconfigure_other_account_aborts(
    hass: HomeAssistant, init_igloo: MockConfigEntry
) -> None:
    # Reauth only asks for the secret, so only reconfigure can name another account.
    result = await init_igloo.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_id": "another-client", "client_secret": "x"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert init_igloo.data["client_id"] == CLIENT_ID


# Setup and entities


@pytest.mark.parametrize("platform", [Platform.LOCK, Platform.SENSOR])
async def test_entities_snapshot(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    igloo_entry.add_to_hass(hass)
    with patch("custom_components.lockbooking.ACCOUNT_PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(igloo_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, igloo_entry.entry_id)


async def test_locks_from_devices(
    hass: HomeAssistant, init_igloo: MockConfigEntry
) -> None:
    locks = init_igloo.runtime_data.coordinator.data
    assert set(locks) == {FRONT_DOOR, PADLOCK}  # no Bridge, no Keypad
    front, padlock = locks[FRONT_DOOR], locks[PADLOCK]
    assert front.capabilities.remote_lock
    assert front.capabilities.remote_unlock
    assert not front.capabilities.reports_state
    assert front.code_rules == (IGLOOHOME_HOURLY, IGLOOHOME_DAILY, IGLOOHOME_BRIDGE_PIN)
    assert front.status.battery_level == 100
    assert not padlock.capabilities.remote_control
    assert padlock.code_rules == (IGLOOHOME_HOURLY, IGLOOHOME_DAILY)
    assert padlock.status.battery_level is None
    assert front.time_zone is None

    assert hass.states.get("lock.front_door").attributes["assumed_state"] is True
    assert hass.states.get("lock.garden_padlock") is None
    assert hass.states.get("sensor.front_door_battery").state == "100"
    assert hass.states.get("sensor.garden_padlock_battery").state == "unknown"
    assert init_igloo.runtime_data.coordinator.update_interval == timedelta(minutes=15)


@pytest.mark.parametrize(
    ("device", "is_lock"),
    [
        ({"type": "Lock", "deviceId": "A"}, True),
        ({"type": "Padlock", "deviceId": "A"}, True),
        ({"type": "Deadbolt", "deviceId": "A"}, True),
        ({"type": "Keypad", "deviceId": "A"}, False),
        ({"type": "Bridge", "deviceId": "A"}, False),
        ({"type": "Sensor", "deviceId": "A"}, False),
        ({"type": "Lock"}, False),
        ({"type": "Lock", "deviceId": "A", "batteryLevel": 140}, True),
        ({"type": "Lock", "deviceId": "A", "batteryLevel": "80"}, True),
    ],
)
async def test_device_types(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    device: dict[str, Any],
    is_lock: bool,
) -> None:
    aioclient_mock.post(TOKEN_URL, json=fixture("token.json"))
    odd_bridge = {
        "type": "Bridge",
        "deviceId": "B",
        "linkedDevices": [{"type": "Lock"}, "junk", {"type": "Lock", "deviceId": "Z"}],
    }
    aioclient_mock.get(
        DEVICES_URL,
        json={
            "nextCursor": "",
            "payload": [device, "junk", odd_bridge, {"type": "Bridge"}],
        },
    )
    locks = await IgloohomeVendor(hass, igloo_entry.data).async_get_locks()
    assert [lock.id for lock in locks] == (["A"] if is_lock else [])
    if is_lock:
        assert locks[0].name == "A"
        assert locks[0].status.battery_level is None
        assert not locks[0].capabilities.remote_control


async def test_setup_retry_when_unreachable(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(TOKEN_URL, exc=ClientConnectionError())
    igloo_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(igloo_entry.entry_id)
    await hass.async_block_till_done()
    assert igloo_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_retry_on_server_error(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(TOKEN_URL, json=fixture("token.json"))
    aioclient_mock.get(
        DEVICES_URL, status=500, json={"message": "Internal server error"}
    )
    igloo_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(igloo_entry.entry_id)
    await hass.async_block_till_done()
    assert igloo_entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize(
    ("token_answer", "devices_answer", "token_posts"),
    [
        # The API refuses a token twice: the second, fresh one settles it.
        (
            {"json": fixture("token.json")},
            {"status": 401, "json": {"message": "Unauthorized"}},
            2,
        ),
        # The token endpoint refuses the credentials.
        (
            {"status": 400, "json": fixture("token_invalid_client.json")},
            {"json": {}},
            1,
        ),
    ],
)
async def test_setup_auth_error_starts_reauth(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    token_answer: dict[str, Any],
    devices_answer: dict[str, Any],
    token_posts: int,
) -> None:
    aioclient_mock.post(TOKEN_URL, **token_answer)
    aioclient_mock.get(DEVICES_URL, **devices_answer)
    igloo_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(igloo_entry.entry_id)
    await hass.async_block_till_done()
    assert igloo_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert len(calls(aioclient_mock, "post", TOKEN_URL)) == token_posts


async def test_unavailable_then_back(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    replace_mock(igloo_api, "get", DEVICES_URL, exc=ClientConnectionError())
    freezer.tick(timedelta(minutes=15))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("lock.front_door").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.front_door_battery").state == STATE_UNAVAILABLE

    replace_mock(igloo_api, "get", DEVICES_URL, json=fixture("devices.json"))
    freezer.tick(timedelta(minutes=15))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("lock.front_door").state != STATE_UNAVAILABLE
    assert hass.states.get("sensor.front_door_battery").state == "100"


# Token


# Lock and unlock through the Bridge


@pytest.mark.parametrize(
    ("service", "job_type"), [(SERVICE_LOCK, 1), (SERVICE_UNLOCK, 2)]
)
async def test_lock_unlock_run_bridge_jobs(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    service: str,
    job_type: int,
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(
        JOB_STATUS_URL,
        side_effect=in_turn(
            respond(200, fixture("job_pending.json")),
            respond(200, fixture("job_completed.json")),
        ),
    )
    await hass.services.async_call(
        LOCK_DOMAIN, service, {ATTR_ENTITY_ID: "lock.front_door"}, blocking=True
    )
    [(_, _, body, headers)] = calls(igloo_api, "post", JOB_URL)
    assert body == {"jobType": job_type, "jobData": None}
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert len(calls(igloo_api, "get", JOB_STATUS_URL)) == 2
    state = hass.states.get("lock.front_door")
    assert state.attributes["assumed_state"] is True


async def test_bridge_job_not_confirmed(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(JOB_STATUS_URL, json=fixture("job_pending.json"))
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            LOCK_DOMAIN,
            SERVICE_UNLOCK,
            {ATTR_ENTITY_ID: "lock.front_door"},
            blocking=True,
        )
    assert err.value.translation_key == "vendor_unavailable"
    assert len(calls(igloo_api, "get", JOB_STATUS_URL)) == 3


async def test_bridge_job_failed(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    failed = {
        **fixture("job_completed.json"),
        "jobResponse": {"jobStatus": 2, "message": "Lock out of Bluetooth range"},
    }
    igloo_api.get(JOB_STATUS_URL, json=failed)
    with pytest.raises(VendorRejectedError, match="Lock out of Bluetooth range"):
        await vendor_of(init_igloo).async_lock(lock_of(init_igloo, FRONT_DOOR))


@pytest.mark.parametrize(
    ("job_response", "detail"),
    [
        ({"jobStatus": 2}, "the Bridge could not carry out the job"),
        ({"jobStatus": "2", "errorMessage": "Bridge offline"}, "Bridge offline"),
        (
            {"jobStatus": 2, "message": ["Timeout", "no response"]},
            "Timeout; no response",
        ),
    ],
)
async def test_bridge_job_failure_shapes(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    job_response: dict[str, Any],
    detail: str,
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(
        JOB_STATUS_URL,
        json={**fixture("job_completed.json"), "jobResponse": job_response},
    )
    with pytest.raises(VendorRejectedError) as err:
        await vendor_of(init_igloo).async_unlock(lock_of(init_igloo, FRONT_DOOR))
    assert err.value.detail == detail


async def test_bridge_job_without_response_succeeds(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(
        JOB_STATUS_URL, json={**fixture("job_completed.json"), "jobResponse": None}
    )
    await vendor_of(init_igloo).async_unlock(lock_of(init_igloo, FRONT_DOOR))


async def test_bridge_job_without_id(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(JOB_URL, json={})
    with pytest.raises(VendorError, match="did not start"):
        await vendor_of(init_igloo).async_unlock(lock_of(init_igloo, FRONT_DOOR))


async def test_lock_without_bridge_is_unsupported(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    before = igloo_api.call_count
    with pytest.raises(VendorUnsupportedError, match="no igloohome Bridge"):
        await vendor_of(init_igloo).async_lock(lock_of(init_igloo, PADLOCK))
    # The Bridge links were looked up again once, nothing else was sent.
    assert igloo_api.call_count == before + 1


async def test_bridge_looked_up_when_unknown(
    hass: HomeAssistant,
    igloo_entry: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
) -> None:
    igloo_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(igloo_entry.entry_id)
    await hass.async_block_till_done()
    fresh = IgloohomeVendor(hass, igloo_entry.data)
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(JOB_STATUS_URL, json=fixture("job_completed.json"))
    await fresh.async_lock(lock_of(igloo_entry, FRONT_DOOR))
    assert len(calls(igloo_api, "post", JOB_URL)) == 1


# algoPINs


def _window(start: datetime, end: datetime) -> Window:
    return Window(start.replace(tzinfo=BERLIN), end.replace(tzinfo=BERLIN))


async def test_hourly_algopin(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    url = f"{API_URL}/devices/{PADLOCK}/algopin/hourly"
    igloo_api.post(url, json=fixture("algopin.json"))
    lock = lock_of(init_igloo, PADLOCK)
    plan = plan_code(
        lock.code_rules,
        _window(datetime(2026, 12, 1, 15, 20), datetime(2026, 12, 1, 17, 20)),
        BERLIN,
    )
    assert plan.kind is CodeKind.ALGOPIN_HOURLY
    issued = await vendor_of(init_igloo).async_issue_code(
        lock, plan, "Anna Weber", None
    )
    [(_, _, body, headers)] = calls(igloo_api, "post", url)
    assert body == {
        "variance": 1,
        "startDate": "2026-12-01T15:00:00+01:00",
        "endDate": "2026-12-01T18:00:00+01:00",
        "accessName": "Anna Weber",
    }
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert issued == IssuedCode(
        lock_id=PADLOCK,
        kind=CodeKind.ALGOPIN_HOURLY,
        code="123456789",
        window=plan.window,
        vendor_id="f1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        revocable=False,
        notes=plan.notes,
        # Dead unless entered within 24 hours of its start.
        use_by=datetime(2026, 12, 2, 15, 0, tzinfo=BERLIN),
    )
    assert any("cannot be revoked" in note for note in issued.notes)


@pytest.mark.parametrize(
    ("check_in", "check_out", "start", "end"),
    [
        # 40 nights, check-out hour before check-in hour: ends at the check-in hour.
        (
            datetime(2026, 12, 1, 15, 0),
            datetime(2027, 1, 10, 11, 0),
            "2026-12-01T15:00:00+01:00",
            "2027-01-10T15:00:00+01:00",
        ),
        # Check-out hour after the check-in hour: moved to the next day.
        (
            datetime(2026, 12, 1, 15, 0),
            datetime(2027, 1, 10, 16, 30),
            "2026-12-01T15:00:00+01:00",
            "2027-01-11T15:00:00+01:00",
        ),
        # Across the change to summer time: same wall-clock hour, new offset.
        (
            datetime(2026, 3, 1, 14, 40),
            datetime(2026, 4, 10, 10, 0),
            "2026-03-01T14:00:00+01:00",
            "2026-04-10T14:00:00+02:00",
        ),
        # Between 28 and 29 days: too long for an hourly PIN, so a 29-day daily one.
        (
            datetime(2026, 6, 1, 15, 0),
            datetime(2026, 6, 29, 20, 0),
            "2026-06-01T15:00:00+02:00",
            "2026-06-30T15:00:00+02:00",
        ),
    ],
)
async def test_daily_algopin(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    check_in: datetime,
    check_out: datetime,
    start: str,
    end: str,
) -> None:
    url = f"{API_URL}/devices/{PADLOCK}/algopin/daily"
    igloo_api.post(url, json=fixture("algopin.json"))
    lock = lock_of(init_igloo, PADLOCK)
    plan = plan_code(lock.code_rules, _window(check_in, check_out), BERLIN)
    assert plan.kind is CodeKind.ALGOPIN_DAILY
    issued = await vendor_of(init_igloo).async_issue_code(
        lock, plan, "Family Novak", None
    )
    [(_, _, body, _)] = calls(igloo_api, "post", url)
    assert body == {
        "variance": 1,
        "startDate": start,
        "endDate": end,
        "accessName": "Family Novak",
    }
    assert issued.kind is CodeKind.ALGOPIN_DAILY
    assert not issued.revocable


@pytest.mark.parametrize("lock_id", [PADLOCK, FRONT_DOOR])
async def test_over_367_days_refused_before_any_request(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    lock_id: str,
) -> None:
    before = igloo_api.call_count
    lock = lock_of(init_igloo, lock_id)
    with pytest.raises(PlanRefused) as err:
        plan_code(
            lock.code_rules,
            _window(datetime(2026, 12, 1, 15, 0), datetime(2027, 12, 4, 11, 0)),
            BERLIN,
        )
    assert err.value.key == "span_too_long"
    assert err.value.placeholders == {"max_days": "367"}
    assert igloo_api.call_count == before


@pytest.mark.parametrize(
    ("status", "body", "error", "detail"),
    [
        (
            422,
            fixture("error_367_days.json"),
            VendorRejectedError,
            "Exceeded the limit of 367 days",
        ),
        (
            400,
            fixture("error_date_format.json"),
            VendorRejectedError,
            "'startDate' must be in format",
        ),
        (404, {"message": "Device not found"}, VendorRejectedError, "Device not found"),
        (400, {"errors": []}, VendorRejectedError, "igloohome answered HTTP 400"),
        (400, "  Bad   request  ", VendorRejectedError, "Bad request"),
        (
            429,
            {"message": "Too Many Requests"},
            VendorUnavailableError,
            "HTTP 429: Too Many Requests",
        ),
        (
            503,
            "<html>down</html>",
            VendorUnavailableError,
            "igloohome answered HTTP 503",
        ),
        (200, {"pinId": "x"}, VendorError, "without an algoPIN"),
        (200, "", VendorError, "without an algoPIN"),
    ],
)
async def test_algopin_errors(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    status: int,
    body: Any,
    error: type[VendorError],
    detail: str,
) -> None:
    url = f"{API_URL}/devices/{PADLOCK}/algopin/daily"
    kwargs = {"text": body} if isinstance(body, str) else {"json": body}
    igloo_api.post(url, status=status, **kwargs)
    lock = lock_of(init_igloo, PADLOCK)
    plan = plan_code(
        lock.code_rules,
        _window(datetime(2026, 12, 1, 15, 0), datetime(2027, 1, 10, 11, 0)),
        BERLIN,
    )
    with pytest.raises(error) as err:
        await vendor_of(init_igloo).async_issue_code(lock, plan, "Guest", None)
    assert type(err.value) is error
    assert detail in err.value.detail


async def test_algopin_auth_error(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    url = f"{API_URL}/devices/{PADLOCK}/algopin/hourly"
    igloo_api.post(url, status=401, json={"message": "Unauthorized"})
    lock = lock_of(init_igloo, PADLOCK)
    plan = plan_code(
        lock.code_rules,
        _window(datetime(2026, 12, 1, 15, 0), datetime(2026, 12, 2, 11, 0)),
        BERLIN,
    )
    with pytest.raises(VendorAuthError):
        await vendor_of(init_igloo).async_issue_code(lock, plan, "Guest", None)
    assert len(calls(igloo_api, "post", url)) == 2


async def test_algopin_off_the_hour_refused(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    before = igloo_api.call_count
    window = _window(datetime(2026, 12, 1, 15, 30), datetime(2026, 12, 1, 18, 0))
    plan = PlannedCode(
        kind=CodeKind.ALGOPIN_HOURLY, window=window, rules=IGLOOHOME_HOURLY
    )
    with pytest.raises(VendorRejectedError, match="whole hour"):
        await vendor_of(init_igloo).async_issue_code(
            lock_of(init_igloo, PADLOCK), plan, "Guest", None
        )
    assert igloo_api.call_count == before


async def test_algopin_cannot_take_a_chosen_code(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    before = igloo_api.call_count
    lock = lock_of(init_igloo, PADLOCK)
    # Without a Bridge a chosen code still plans an algoPIN, which is refused.
    rules = code_rules_for(lock, "4821")
    assert rules == lock.code_rules
    plan = plan_code(
        rules,
        _window(datetime(2026, 12, 1, 15, 0), datetime(2026, 12, 2, 11, 0)),
        BERLIN,
    )
    with pytest.raises(VendorUnsupportedError, match="computes algoPINs itself"):
        await vendor_of(init_igloo).async_issue_code(lock, plan, "Guest", "4821")
    assert igloo_api.call_count == before


async def test_algopin_revoke_is_unsupported(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    before = igloo_api.call_count
    window = _window(datetime(2026, 12, 1, 15, 0), datetime(2026, 12, 2, 11, 0))
    issued = IssuedCode(
        lock_id=PADLOCK,
        kind=CodeKind.ALGOPIN_HOURLY,
        code="123456789",
        window=window,
        revocable=False,
    )
    with pytest.raises(VendorUnsupportedError) as err:
        await vendor_of(init_igloo).async_revoke_code(
            lock_of(init_igloo, PADLOCK), issued
        )
    assert "cannot be revoked" in err.value.detail
    assert "2026-12-02T11:00:00+01:00" in err.value.detail
    assert "123456789" not in err.value.detail
    assert igloo_api.call_count == before


async def test_other_code_kinds_unsupported(
    hass: HomeAssistant, init_igloo: MockConfigEntry
) -> None:
    window = _window(datetime(2026, 12, 1, 15, 0), datetime(2026, 12, 2, 11, 0))
    plan = PlannedCode(kind=CodeKind.KEYPAD, window=window, rules=NUKI_KEYPAD)
    with pytest.raises(VendorUnsupportedError):
        await vendor_of(init_igloo).async_issue_code(
            lock_of(init_igloo, PADLOCK), plan, "Guest", None
        )


# Custom PINs through the Bridge


def _custom_plan(lock: Lock, code: str | None) -> PlannedCode:
    return plan_code(
        code_rules_for(lock, code),
        _window(datetime(2026, 12, 1, 15, 20), datetime(2026, 12, 5, 10, 40)),
        BERLIN,
    )


async def test_custom_pin_issue_and_revoke(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(JOB_STATUS_URL, json=fixture("job_completed.json"))
    vendor = vendor_of(init_igloo)
    lock = lock_of(init_igloo, FRONT_DOOR)
    # Without a chosen code the plan is an algoPIN even on a bridged lock.
    assert plan_code(lock.code_rules, _custom_plan(lock, None).window, BERLIN).kind is (
        CodeKind.ALGOPIN_HOURLY
    )
    plan = _custom_plan(lock, "4821")
    assert plan.kind is CodeKind.BRIDGE_PIN
    issued = await vendor.async_issue_code(lock, plan, "Anna Weber", "4821")
    [(_, _, body, _)] = calls(igloo_api, "post", JOB_URL)
    assert body == {
        "jobType": 4,
        "jobData": {
            "accessName": "Anna Weber",
            "pin": "4821",
            "pinType": 4,
            "startDate": "2026-12-01T15:00:00+01:00",
            "endDate": "2026-12-05T11:00:00+01:00",
        },
    }
    assert issued == IssuedCode(
        lock_id=FRONT_DOOR,
        kind=CodeKind.BRIDGE_PIN,
        code="4821",
        window=plan.window,
        vendor_id=JOB_ID,
        revocable=True,
        notes=(),
    )

    await vendor.async_revoke_code(lock, issued)
    assert calls(igloo_api, "post", JOB_URL)[1][2] == {
        "jobType": 5,
        "jobData": {"pin": "4821"},
    }


async def test_custom_pin_generated_when_not_chosen(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(JOB_STATUS_URL, json=fixture("job_completed.json"))
    lock = lock_of(init_igloo, FRONT_DOOR)
    plan = _custom_plan(lock, "0000")
    issued = await vendor_of(init_igloo).async_issue_code(lock, plan, "Guest", None)
    assert len(issued.code) == 6
    assert issued.code.isdigit()
    assert calls(igloo_api, "post", JOB_URL)[0][2]["jobData"]["pin"] == issued.code


@pytest.mark.parametrize(
    ("code", "detail"),
    [("482", "4 to 6 digits"), ("48210a", "digits only")],
)
async def test_custom_pin_invalid_code(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    code: str,
    detail: str,
) -> None:
    before = igloo_api.call_count
    lock = lock_of(init_igloo, FRONT_DOOR)
    with pytest.raises(VendorRejectedError, match=detail):
        await vendor_of(init_igloo).async_issue_code(
            lock, _custom_plan(lock, code), "Guest", code
        )
    assert igloo_api.call_count == before


async def test_custom_pin_failure_hides_the_pin(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    failed = {
        **fixture("job_completed.json"),
        "jobResponse": {"jobStatus": 2, "message": "PIN 4821 already exists"},
    }
    igloo_api.get(JOB_STATUS_URL, json=failed)
    lock = lock_of(init_igloo, FRONT_DOOR)
    with pytest.raises(VendorRejectedError) as err:
        await vendor_of(init_igloo).async_issue_code(
            lock, _custom_plan(lock, "4821"), "Guest", "4821"
        )
    assert err.value.detail == "PIN *** already exists"


async def test_custom_pin_rejected_job_hides_the_pin(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
) -> None:
    igloo_api.post(JOB_URL, status=400, json={"message": "Invalid pin 4821"})
    lock = lock_of(init_igloo, FRONT_DOOR)
    with pytest.raises(VendorRejectedError) as err:
        await vendor_of(init_igloo).async_issue_code(
            lock, _custom_plan(lock, "4821"), "Guest", "4821"
        )
    assert "4821" not in err.value.detail


async def test_custom_pin_without_bridge(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    lock = lock_of(init_igloo, PADLOCK)
    plan = plan_code(
        (IGLOOHOME_BRIDGE_PIN,),
        _window(datetime(2026, 12, 1, 15, 0), datetime(2026, 12, 2, 11, 0)),
        BERLIN,
    )
    with pytest.raises(VendorUnsupportedError, match="no igloohome Bridge"):
        await vendor_of(init_igloo).async_issue_code(lock, plan, "Guest", "4821")
    assert not calls(
        igloo_api, "post", f"{API_URL}/devices/{PADLOCK}/jobs/bridges/{BRIDGE}"
    )


# Secrets


async def test_no_secret_in_logs(
    hass: HomeAssistant,
    igloo_api: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"{API_URL}/devices/{PADLOCK}/algopin/hourly"
    igloo_api.post(url, json=fixture("algopin.json"))
    flow_id = await _igloohome_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    await hass.async_block_till_done()
    entry = result["result"]
    lock = lock_of(entry, PADLOCK)
    plan = plan_code(
        lock.code_rules,
        _window(datetime(2026, 12, 1, 15, 0), datetime(2026, 12, 2, 11, 0)),
        BERLIN,
    )
    issued = await vendor_of(entry).async_issue_code(lock, plan, "Guest", None)
    for secret in (CLIENT_SECRET, TOKEN, issued.code):
        assert secret not in caplog.text
    assert "igloohome GET" in caplog.text
