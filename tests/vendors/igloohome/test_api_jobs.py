"""igloohome Bridge jobs (issue 20, build 7): followed for a minute, read as documented.

A Bridge works through about two jobs a minute, so a job is polled for at least 60 s;
a finished job failed only when its `jobResponse.jobStatus` says so (2); a custom PIN
whose job ends unknown keeps its digits for the retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.lockbooking.models import CodeKind, Window
from custom_components.lockbooking.planner import plan_code
from custom_components.lockbooking.vendors.base import (
    VendorAuthError,
    VendorRejectedError,
    VendorUnavailableError,
)
from custom_components.lockbooking.vendors.igloohome import api as igloohome_api
from custom_components.lockbooking.vendors.igloohome.api import JOB_POLL_DELAYS
from custom_components.lockbooking.vendors.igloohome.rules import (
    IGLOOHOME_BRIDGE_PIN,
)
from homeassistant.core import HomeAssistant

from .conftest import (
    BERLIN,
    FRONT_DOOR,
    JOB_STATUS_URL,
    JOB_URL,
    calls,
    fixture,
    in_turn,
    lock_of,
    respond,
    vendor_of,
)


@pytest.fixture
def slept() -> Iterator[list[float]]:
    """Poll with the real schedule, recording the waits instead of sleeping."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    with (
        patch.object(igloohome_api, "JOB_POLL_DELAYS", JOB_POLL_DELAYS),
        patch.object(igloohome_api, "sleep", record),
    ):
        yield waits


def _status(job_response: Any, *, completed: bool = True) -> dict[str, Any]:
    return {
        **fixture("job_completed.json"),
        "completed": completed,
        "jobResponse": job_response,
    }


async def test_pending_job_is_followed_for_a_minute(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    slept: list[float],
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(JOB_STATUS_URL, json=fixture("job_pending.json"))
    with pytest.raises(VendorUnavailableError) as err:
        await vendor_of(init_igloo).async_unlock(lock_of(init_igloo, FRONT_DOOR))
    assert not err.value.unprocessed  # the Bridge may still carry it out
    assert sum(slept) >= 60
    assert len(calls(igloo_api, "get", JOB_STATUS_URL)) == len(JOB_POLL_DELAYS)


async def test_job_done_late_in_the_minute_counts(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    slept: list[float],
) -> None:
    pending = respond(200, fixture("job_pending.json"))
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(
        JOB_STATUS_URL,
        side_effect=in_turn(
            *[pending] * (len(JOB_POLL_DELAYS) - 1),
            respond(200, _status({"jobStatus": 1})),
        ),
    )
    await vendor_of(init_igloo).async_unlock(lock_of(init_igloo, FRONT_DOOR))
    assert sum(slept) >= 50


async def test_unreadable_look_at_a_job_is_not_its_end(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    slept: list[float],
) -> None:
    """A failed status read (after its own retries) is followed by the next look."""
    down = respond(502, "<html>Bad gateway</html>")
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(
        JOB_STATUS_URL,
        side_effect=in_turn(down, down, down, respond(200, _status({}))),
    )
    await vendor_of(init_igloo).async_lock(lock_of(init_igloo, FRONT_DOOR))
    assert len(calls(igloo_api, "get", JOB_STATUS_URL)) == 4


async def test_refused_token_while_following_a_job_ends_it(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(JOB_STATUS_URL, status=401, json={"message": "Unauthorized"})
    with pytest.raises(VendorAuthError):
        await vendor_of(init_igloo).async_unlock(lock_of(init_igloo, FRONT_DOOR))
    assert len(calls(igloo_api, "get", JOB_STATUS_URL)) == 2  # once, and a fresh token


@pytest.mark.parametrize(
    "job_response",
    [
        {"success": False, "message": "guessed"},
        {"status": "FAILED"},
        {"errorCode": 12},
        {"jobStatus": 1},
        {},
        None,
    ],
)
async def test_only_the_documented_status_fails_a_job(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    job_response: Any,
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(JOB_STATUS_URL, json=_status(job_response))
    await vendor_of(init_igloo).async_unlock(lock_of(init_igloo, FRONT_DOOR))


@pytest.mark.parametrize("job_status", [2, "2"])
async def test_failed_job_is_rejected(
    hass: HomeAssistant,
    init_igloo: MockConfigEntry,
    igloo_api: AiohttpClientMocker,
    job_status: Any,
) -> None:
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(JOB_STATUS_URL, json=_status({"jobStatus": job_status}))
    with pytest.raises(VendorRejectedError, match="could not carry out"):
        await vendor_of(init_igloo).async_unlock(lock_of(init_igloo, FRONT_DOOR))


def _bridge_plan() -> Any:
    window = Window(
        datetime(2026, 12, 1, 15, tzinfo=BERLIN),
        datetime(2026, 12, 5, 11, tzinfo=BERLIN),
    )
    plan = plan_code((IGLOOHOME_BRIDGE_PIN,), window, BERLIN)
    assert plan.kind is CodeKind.BRIDGE_PIN
    return plan


async def test_unknown_custom_pin_job_keeps_its_digits(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    """The PIN sent goes up with the error, and sending it again sends the same PIN."""
    igloo_api.post(JOB_URL, json=fixture("job.json"))
    igloo_api.get(JOB_STATUS_URL, json=fixture("job_pending.json"))
    vendor = vendor_of(init_igloo)
    lock = lock_of(init_igloo, FRONT_DOOR)
    with pytest.raises(VendorUnavailableError) as err:
        await vendor.async_issue_code(lock, _bridge_plan(), "Guest", None)
    [(_, _, first, _)] = calls(igloo_api, "post", JOB_URL)
    sent = first["jobData"]["pin"]
    assert err.value.sent_code == sent
    assert sent not in str(err.value)

    with pytest.raises(VendorUnavailableError):
        await vendor.async_issue_code(
            lock, _bridge_plan(), "Guest", err.value.sent_code
        )
    [_, (_, _, again, _)] = calls(igloo_api, "post", JOB_URL)
    assert again == first


async def test_refused_custom_pin_job_keeps_nothing(
    hass: HomeAssistant, init_igloo: MockConfigEntry, igloo_api: AiohttpClientMocker
) -> None:
    igloo_api.post(JOB_URL, status=400, json={"message": "Invalid date"})
    lock = lock_of(init_igloo, FRONT_DOOR)
    with pytest.raises(VendorRejectedError) as err:
        await vendor_of(init_igloo).async_issue_code(
            lock, _bridge_plan(), "Guest", "4821"
        )
    # Set, but the ledger keeps it only for an outcome that is unknown.
    assert err.value.sent_code == "4821"
