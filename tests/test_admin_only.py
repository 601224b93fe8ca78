"""Only an admin reads or changes codes: the three actions as admin, plain and read-only user.

Through Home Assistant's service registry, its websocket API and its REST API, with and
without a response. A call with no user (an automation, a script, the scheduler) is
Home Assistant's own and works.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockUser,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.lockbooking.ledger import LEDGER
from custom_components.lockbooking.vendors.demo.vendor import DemoVendor
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.setup import async_setup_component

STAY = {"start": "2026-12-01T16:00:00+01:00", "end": "2026-12-05T11:00:00+01:00"}
CALLS = {
    "issue_code": {
        "entity_id": "lock.front_door",
        **STAY,
        "uid": "stay-2",
        "name": "Ben",
    },
    "revoke_code": {"entity_id": "lock.front_door", "uid": "stay-1"},
    "get_codes": {"entity_id": "lock.front_door"},
}
# get_codes only answers with a response; the other two may be called without.
WITH_AND_WITHOUT_RESPONSE = [
    ("issue_code", True),
    ("issue_code", False),
    ("revoke_code", True),
    ("revoke_code", False),
    ("get_codes", True),
]
USERS = ["admin", "plain", "read_only"]


@pytest.fixture
async def plain_user(hass: HomeAssistant) -> MockUser:
    """A user of the "Users" group: no admin, but not read-only either."""
    group = await hass.auth.async_get_group(GROUP_ID_USER)
    return MockUser(name="Cleaner", groups=[group]).add_to_hass(hass)


@pytest.fixture
def users(
    hass_admin_user: MockUser, hass_read_only_user: MockUser, plain_user: MockUser
) -> dict[str, MockUser]:
    return {
        "admin": hass_admin_user,
        "plain": plain_user,
        "read_only": hass_read_only_user,
    }


@pytest.fixture
async def issued(hass: HomeAssistant, init_demo: MockConfigEntry) -> str:
    """A guest's code on the front door, issued by an automation (no user)."""
    response = await hass.services.async_call(
        "lockbooking",
        "issue_code",
        {"entity_id": "lock.front_door", **STAY, "uid": "stay-1", "name": "Anna"},
        blocking=True,
        return_response=True,
    )
    return response["codes"][0]["code"]


@pytest.fixture
def vendor_spy() -> Any:
    with (
        patch.object(
            DemoVendor,
            "async_issue_code",
            autospec=True,
            side_effect=DemoVendor.async_issue_code,
        ) as issue,
        patch.object(
            DemoVendor,
            "async_revoke_code",
            autospec=True,
            side_effect=DemoVendor.async_revoke_code,
        ) as revoke,
    ):
        yield issue, revoke


async def _token(hass: HomeAssistant, user: MockUser) -> str:
    refresh_token = await hass.auth.async_create_refresh_token(user, CLIENT_ID)
    return hass.auth.async_create_access_token(refresh_token)


def _ledger(hass: HomeAssistant) -> list[Any]:
    return hass.data[LEDGER].records()


def _answered(service: str, response: dict[str, Any], code: str) -> None:
    """What an admin gets back: the code on the front door, issued, revoked or listed."""
    [answer] = response["codes"]
    assert answer["entity_id"] == "lock.front_door"
    if service == "issue_code":
        assert answer["status"] == "issued"
        assert answer["code"] != code
    else:
        assert answer["code"] == code
        assert answer["status"] == ("revoked" if service == "revoke_code" else "issued")


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize(("service", "with_response"), WITH_AND_WITHOUT_RESPONSE)
async def test_service_registry(
    hass: HomeAssistant,
    users: dict[str, MockUser],
    issued: str,
    vendor_spy: Any,
    who: str,
    service: str,
    with_response: bool,
) -> None:
    before = _ledger(hass)
    context = Context(user_id=users[who].id)
    call = hass.services.async_call(
        "lockbooking", service, CALLS[service], blocking=True,
        context=context, return_response=with_response,
    )  # fmt: skip
    if who != "admin":
        with pytest.raises(Unauthorized):
            await call
        assert _ledger(hass) == before
        assert vendor_spy[0].call_count == vendor_spy[1].call_count == 0
        return
    response = await call
    if with_response:
        _answered(service, response, issued)
    else:
        assert response is None
        assert _ledger(hass) != before


@pytest.mark.parametrize("who", ["plain", "read_only"])
@pytest.mark.parametrize("service", ["issue_code", "revoke_code", "get_codes"])
async def test_refused_before_any_validation(
    hass: HomeAssistant, users: dict[str, MockUser], issued: str, who: str, service: str
) -> None:
    """A non-admin learns nothing from the refusal: not even whether the data was valid."""
    context = Context(user_id=users[who].id)
    for data in (
        {"entity_id": "lock.front_door", "code": "x"},
        {"device_id": "nope"},
        CALLS[service],
    ):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                "lockbooking",
                service,
                data,
                blocking=True,
                context=context,
                return_response=True,
            )
    # The same bad data from an admin is refused for what it is.
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "lockbooking", service, {"device_id": "nope"}, blocking=True,
            context=Context(user_id=users["admin"].id), return_response=True,
        )  # fmt: skip


async def test_unknown_user_is_refused(hass: HomeAssistant, issued: str) -> None:
    with pytest.raises(UnknownUser):
        await hass.services.async_call(
            "lockbooking", "get_codes", {}, blocking=True,
            context=Context(user_id="no-such-user"), return_response=True,
        )  # fmt: skip


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize(("service", "with_response"), WITH_AND_WITHOUT_RESPONSE)
async def test_websocket(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    users: dict[str, MockUser],
    issued: str,
    vendor_spy: Any,
    who: str,
    service: str,
    with_response: bool,
) -> None:
    before = _ledger(hass)
    client = await hass_ws_client(hass, await _token(hass, users[who]))
    message: dict[str, Any] = {
        "type": "call_service",
        "domain": "lockbooking",
        "service": service,
        "service_data": CALLS[service],
    }
    if with_response:
        message["return_response"] = True
    await client.send_json_auto_id(message)
    result = await client.receive_json()
    if who != "admin":
        assert not result["success"]
        # Home Assistant answers its own admin services' Unauthorized the same way.
        assert result["error"]["code"] in ("home_assistant_error", "unauthorized")
        assert result["error"]["message"] == "Unauthorized"
        assert issued not in str(result)
        assert _ledger(hass) == before
        assert vendor_spy[0].call_count == vendor_spy[1].call_count == 0
        return
    assert result["success"], result
    if with_response:
        _answered(service, result["result"]["response"], issued)
    else:
        assert "response" not in result["result"]
        assert _ledger(hass) != before


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize(("service", "with_response"), WITH_AND_WITHOUT_RESPONSE)
async def test_rest(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    users: dict[str, MockUser],
    issued: str,
    vendor_spy: Any,
    who: str,
    service: str,
    with_response: bool,
) -> None:
    assert await async_setup_component(hass, "api", {})
    before = _ledger(hass)
    client = await hass_client(await _token(hass, users[who]))
    url = f"/api/services/lockbooking/{service}" + (
        "?return_response" if with_response else ""
    )
    resp = await client.post(url, json=CALLS[service])
    body = await resp.text()
    if who != "admin":
        assert resp.status == HTTPStatus.UNAUTHORIZED
        assert issued not in body
        assert _ledger(hass) == before
        assert vendor_spy[0].call_count == vendor_spy[1].call_count == 0
        return
    assert resp.status == HTTPStatus.OK, body
    if with_response:
        _answered(service, (await resp.json())["service_response"], issued)
    else:
        assert "service_response" not in await resp.json()
        assert _ledger(hass) != before


async def test_no_user_is_home_assistant_itself(
    hass: HomeAssistant, issued: str
) -> None:
    """A script (no user in its context) reads the code and revokes it, with responses."""
    assert await async_setup_component(
        hass,
        "script",
        {
            "script": {
                "codes": {
                    "sequence": [
                        {
                            "action": "lockbooking.get_codes",
                            "data": {"uid": "stay-1"},
                            "response_variable": "listed",
                        },
                        {
                            "action": "lockbooking.revoke_code",
                            "data": {"code": "{{ listed.codes[0].code }}"},
                            "response_variable": "revoked",
                        },
                        {"stop": "done", "response_variable": "revoked"},
                    ]
                }
            }
        },
    )
    response = await hass.services.async_call(
        "script", "codes", {}, blocking=True, return_response=True
    )
    [revoked] = response["codes"]
    assert (revoked["code"], revoked["status"]) == (issued, "revoked")
