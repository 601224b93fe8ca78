"""Nuki locks through the Nuki Web API (api.nuki.io) with an API token.

Keypad codes are authorizations of type 13, which Nuki applies asynchronously; their
creation, deletion and change, each confirmed against the lock's list, are in `auths`.
The id of a code's authorization is what the lock's activity log gives as `authId`
when the code opens the door.
The HTTP calls themselves are in `api`, the reading of a device as a lock in `devices`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final

import voluptuous as vol

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import dt as dt_util

from ...models import CodeKind, CodeUse, IssuedCode, Lock, PlannedCode, Window
from ..base import (
    AccountIdentity,
    FoundCode,
    LockVendor,
    VendorAuthError,
    VendorRejectedError,
    VendorUnsupportedError,
)
from ..nuki_common import MANUFACTURER
from .api import NukiWebClient, as_list, nuki_date
from .auths import NukiKeypadCodes
from .devices import describe_lock, is_opener

CONF_API_TOKEN: Final = "api_token"

ACTION_UNLOCK: Final = 1
ACTION_LOCK: Final = 2
ACTION_UNLATCH: Final = 3
ACTION_LOCK_N_GO_UNLATCH: Final = 5
OPENER_ACTION_RTO_ON: Final = 1
OPENER_ACTION_OPEN: Final = 3
# The actions that let someone in, as the activity log numbers them per device type.
SMART_LOCK_OPENINGS: Final = frozenset(
    {ACTION_UNLOCK, ACTION_UNLATCH, ACTION_LOCK_N_GO_UNLATCH}
)
OPENER_OPENINGS: Final = frozenset({OPENER_ACTION_RTO_ON, OPENER_ACTION_OPEN})

# Activity log (SmartlockLog): Nuki's largest page, and how many pages one look goes back.
LOG_PAGE_SIZE: Final = 50
LOG_PAGES: Final = 4
TRIGGER_KEYPAD: Final = 255
# source: 0 default (keypads without fingerprint reader), 1 keypad code, 2 fingerprint,
# 3 tap to unlock; entries from before the field existed do not carry it.
CODE_SOURCES: Final = frozenset({0, 1})
LOG_STATE_SUCCESS: Final = 0


class NukiVendor(LockVendor):
    """A Nuki Web account: its smart locks and Openers, and their keypad codes."""

    manufacturer: ClassVar[str] = MANUFACTURER
    # One GET lists every lock of the account; Nuki asks integrators to poll
    # sparingly, and the entities refresh at once after their own actions.
    poll_interval: ClassVar[timedelta] = timedelta(minutes=2)
    config_schema: ClassVar[vol.Schema] = vol.Schema(
        {
            vol.Required(CONF_API_TOKEN): TextSelector(
                TextSelectorConfig(type=TextSelectorType.PASSWORD)
            )
        }
    )
    secret_fields: ClassVar[tuple[str, ...]] = (CONF_API_TOKEN,)
    updates_window_in_place: ClassVar[bool] = True

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        """Keep the token; the session is Home Assistant's shared one."""
        super().__init__(hass, data)
        self._client = NukiWebClient(
            async_get_clientsession(hass), str(data[CONF_API_TOKEN]).strip()
        )
        self._codes = NukiKeypadCodes(self._client)

    async def async_identify(self) -> AccountIdentity:
        """Check the token with a real call and name the account it belongs to."""
        smartlocks = as_list(await self._client.request("GET", "/smartlock"))
        try:
            account = await self._client.request("GET", "/account")
        except (VendorAuthError, VendorRejectedError):
            # The token works (it listed the locks) but lacks the "account"
            # permission; the locks still say whose they are.
            account = None
        if isinstance(account, dict) and account.get("accountId") is not None:
            label = account.get("name") or account.get("email") or account["accountId"]
            return AccountIdentity(
                unique_id=str(account["accountId"]), title=f"Nuki ({label})"
            )
        owners = [lock["accountId"] for lock in smartlocks if "accountId" in lock]
        if not owners:
            raise VendorAuthError("The token can neither read the account nor a lock.")
        return AccountIdentity(
            unique_id=str(owners[0]), title=f"Nuki (account {owners[0]})"
        )

    async def async_get_locks(self) -> list[Lock]:
        """Every device of the account with its capabilities and last known state."""
        return [
            describe_lock(device)
            for device in as_list(await self._client.request("GET", "/smartlock"))
            if device.get("smartlockId") is not None
        ]

    async def async_lock(self, lock: Lock) -> None:
        """Lock a smart lock."""
        if not lock.capabilities.remote_lock:
            raise VendorUnsupportedError("lock")
        await self._action(lock, ACTION_LOCK)

    async def async_unlock(self, lock: Lock) -> None:
        """Unlock a smart lock, or switch an Opener's ring to open on."""
        if not lock.capabilities.remote_unlock:
            raise VendorUnsupportedError("unlock")
        await self._action(
            lock, OPENER_ACTION_RTO_ON if is_opener(lock) else ACTION_UNLOCK
        )

    async def async_open(self, lock: Lock) -> None:
        """Unlatch a smart lock, or buzz an Opener's door open."""
        if not lock.capabilities.open:
            raise VendorUnsupportedError("open")
        await self._action(
            lock, OPENER_ACTION_OPEN if is_opener(lock) else ACTION_UNLATCH
        )

    async def _action(self, lock: Lock, action: int) -> None:
        await self._client.request(
            "POST", f"/smartlock/{lock.id}/action", json={"action": action}
        )

    async def async_issue_code(
        self, lock: Lock, plan: PlannedCode, name: str, code: str | None
    ) -> IssuedCode:
        """Create a keypad code for the planned window, confirmed on the lock."""
        return await self._codes.issue(lock, plan, name, code)

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        """Delete the code's authorization; it counts as revoked once the lock lost it."""
        await self._codes.revoke(lock, issued)

    async def async_update_code_window(
        self, lock: Lock, issued: IssuedCode, plan: PlannedCode
    ) -> IssuedCode:
        """Move a keypad code's window in place; it counts once the lock applied it."""
        return await self._codes.update_window(lock, issued, plan)

    async def async_find_codes(
        self, lock: Lock, name: str, window: Window, kind: CodeKind
    ) -> list[FoundCode] | None:
        """Keypad codes with lockbooking's name for `name` and exactly this window."""
        return await self._codes.find(lock, name, window)

    async def async_get_code_uses(self, lock: Lock, since: datetime) -> list[CodeUse]:
        """Read the lock's activity log back to `since` for doors opened by a keypad code.

        Nuki sends the log newest first, at most LOG_PAGE_SIZE entries a call, from
        `since` on; an older page is asked for only while a page comes back full and
        still after `since`, and never more than LOG_PAGES of them.
        """
        if not lock.capabilities.reports_code_use:
            raise VendorUnsupportedError("code_uses")
        openings = OPENER_OPENINGS if is_opener(lock) else SMART_LOCK_OPENINGS
        query = {"fromDate": nuki_date(since), "limit": str(LOG_PAGE_SIZE)}
        uses: list[CodeUse] = []
        for _ in range(LOG_PAGES):
            entries = as_list(
                await self._client.request(
                    "GET", f"/smartlock/{lock.id}/log", params=query
                )
            )
            for entry in entries:
                at = _log_date(entry)
                if (
                    at is not None
                    and at >= since
                    and _code_opening(entry, lock, openings)
                ):
                    uses.append(CodeUse(at=at, vendor_id=entry["authId"]))
            if len(entries) < LOG_PAGE_SIZE:
                break
            oldest = entries[-1]
            oldest_at = _log_date(oldest)
            if not oldest.get("id") or oldest_at is None or oldest_at < since:
                break
            query = {**query, "id": str(oldest["id"])}
        return uses


def _code_opening(
    entry: Mapping[str, Any], lock: Lock, openings: frozenset[int]
) -> bool:
    """Tell whether a log entry is this lock let open by a keypad code's authorization.

    Refused codes, fingerprints and keypad errors are logged with the keypad as
    trigger too; they differ in `state` and `source`, or lack the authorization.
    """
    smartlock_id = entry.get("smartlockId")
    source = entry.get("source")
    auth_id = entry.get("authId")
    return (
        (smartlock_id is None or str(smartlock_id) == lock.id)
        and _number(entry.get("trigger")) == TRIGGER_KEYPAD
        and (source is None or _number(source) in CODE_SOURCES)
        and _number(entry.get("state")) == LOG_STATE_SUCCESS
        and _number(entry.get("action")) in openings
        and isinstance(auth_id, str)
        and auth_id != ""
    )


def _number(value: Any) -> int | None:
    """Read an integer field of a payload; anything else (a bool too) is None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _log_date(entry: Mapping[str, Any]) -> datetime | None:
    """Read a log entry's time stamp; one without a time zone is unusable."""
    moment = dt_util.parse_datetime(str(entry.get("date") or ""))
    if moment is None or moment.tzinfo is None:
        return None
    return moment
