"""Nuki locks through the Nuki Web API (api.nuki.io) with an API token.

Keypad codes are authorizations of type 13. Nuki creates, changes and deletes them
asynchronously: the call answers 204 (the PUT with no body and no id) before the lock
applied it, and the authorization carries an `operationId` until the lock has. So a
code counts as issued only once the lock's list shows it (by its code, unique on a
lock, which also gives the id needed to delete it) without an `operationId`, and as
revoked only once the list no longer shows it; until then the call ends with an error
whose outcome is unknown, and the code is checked again later. The id is also what
the lock's activity log gives as `authId` when the code opens the door.
The HTTP calls themselves are in `api`, the reading of a device as a lock in `devices`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
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

from ...const import LOGGER
from ...models import (
    CodeKind,
    CodeUse,
    IssuedCode,
    Lock,
    PlannedCode,
    Window,
)
from ...planner import code_problem, generate_code
from ..base import (
    AccountIdentity,
    FoundCode,
    LockVendor,
    VendorAuthError,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from ..nuki_common import (
    AUTH_NAME_PREFIX,
    CODE_PROBLEMS,
    MANUFACTURER,
    authorization_name,
)
from .api import NukiNotFoundError, NukiWebClient, redact
from .devices import describe_lock, is_opener

CONF_API_TOKEN: Final = "api_token"

AUTH_TYPE_KEYPAD_CODE: Final = 13
ALL_WEEK_DAYS: Final = 127
# Waits before each look at the lock's list after a create, change or delete (Nuki
# applies them asynchronously): about ten seconds in all, then the code is pending.
FIND_DELAYS: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0)

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

    async def async_identify(self) -> AccountIdentity:
        """Check the token with a real call and name the account it belongs to."""
        smartlocks = _list(await self._client.request("GET", "/smartlock"))
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
            for device in _list(await self._client.request("GET", "/smartlock"))
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
        """Create a keypad code for the planned window and find its authorization."""
        if plan.kind is not CodeKind.KEYPAD or not lock.code_rules:
            raise VendorUnsupportedError("keypad codes")
        before = await self._keypad_codes(lock)
        taken = {str(auth["code"]) for auth in before}
        if code is None:
            code = generate_code(plan.rules, taken)
        elif (problem := code_problem(plan.rules, code)) is not None:
            raise VendorRejectedError(CODE_PROBLEMS.get(problem, problem))
        elif code in taken:
            raise VendorRejectedError("The code is already in use on this lock.")
        auth_name = authorization_name(name)
        try:
            await self._client.request(
                "PUT",
                f"/smartlock/{lock.id}/auth",
                json={
                    "name": auth_name,
                    "type": AUTH_TYPE_KEYPAD_CODE,
                    "code": int(code),
                    "remoteAllowed": False,
                    "allowedFromDate": _nuki_date(plan.window.start),
                    "allowedUntilDate": _nuki_date(plan.window.end),
                    "allowedWeekDays": ALL_WEEK_DAYS,
                    "allowedFromTime": 0,
                    "allowedUntilTime": 0,
                },
                secret=code,
            )
        except VendorError as err:
            # Nuki may have taken it: a retry sends these digits, found or not.
            err.sent_code = code
            raise
        known = {auth.get("id") for auth in before}
        auth = await self._find_new_auth(lock, code, auth_name, known)
        if auth is None:
            unconfirmed = VendorUnavailableError(
                "Nuki has not confirmed yet that the lock took the new keypad code "
                "(the lock may be offline); it is checked again later."
            )
            unconfirmed.sent_code = code
            raise unconfirmed
        notes = list(plan.notes)
        if auth.get("error"):
            notes.append(
                "Nuki reported a problem while sending the code to the lock: "
                f"{redact(str(auth['error']), code)}"
            )
        return IssuedCode(
            lock_id=lock.id,
            kind=plan.kind,
            code=code,
            window=plan.window,
            vendor_id=str(auth["id"]),
            revocable=True,
            notes=tuple(notes),
        )

    async def _find_new_auth(
        self, lock: Lock, code: str, auth_name: str, known: set[Any]
    ) -> dict[str, Any] | None:
        """Find the authorization just created once the lock applied it (else None).

        Failures here are swallowed on purpose: the code exists at Nuki already, and an
        error would invite the caller to create it a second time.
        """

        def applied(auths: list[dict[str, Any]]) -> dict[str, Any] | None:
            new = [
                auth
                for auth in auths
                if str(auth["code"]) == code and auth.get("id") not in known
            ]
            if not new:
                return None
            named = [auth for auth in new if auth.get("name") == auth_name]
            auth = (named or new)[0]
            return auth if _applied(auth) else None

        if (auth := await self._watch(lock, applied)) is None:
            LOGGER.warning(
                "Nuki did not confirm the new keypad code on %s in time", lock.name
            )
        return auth

    async def _watch[T](
        self, lock: Lock, applied: Callable[[list[dict[str, Any]]], T | None]
    ) -> T | None:
        """Look at the lock's keypad codes until `applied` finds the change applied.

        None when it is not after FIND_DELAYS. A failed look is followed by the next:
        the change is under way at Nuki whatever a look answers.
        """
        for delay in FIND_DELAYS:
            await asyncio.sleep(delay)
            try:
                auths = await self._keypad_codes(lock)
            except VendorError:
                continue
            if (found := applied(auths)) is not None:
                return found
        return None

    async def async_revoke_code(self, lock: Lock, issued: IssuedCode) -> None:
        """Delete the code's authorization; it counts as revoked once the lock lost it.

        One already gone counts as revoked. A delete the lock has not applied yet
        raises VendorUnavailableError: the code still opens the door, and revoking it
        again later finds it gone (or deletes it then).
        """
        auth_id = issued.vendor_id
        if auth_id is None:
            found = [
                auth
                for auth in await self._keypad_codes(lock)
                if str(auth["code"]) == issued.code
            ]
            if not found:
                return
            auth_id = str(found[0]["id"])
        try:
            await self._client.request("DELETE", f"/smartlock/{lock.id}/auth/{auth_id}")
        except NukiNotFoundError:
            return
        if await self._watch(
            lock,
            lambda auths: all(str(auth.get("id")) != auth_id for auth in auths) or None,
        ):
            return
        raise VendorUnavailableError(
            "Nuki has not confirmed yet that the lock removed the keypad code (the "
            "lock may be offline); it still opens the door until it has."
        )

    async def async_update_code_window(
        self, lock: Lock, issued: IssuedCode, plan: PlannedCode
    ) -> IssuedCode:
        """Move a keypad code's window in place; it counts once the lock applied it."""
        if issued.kind is not CodeKind.KEYPAD or plan.kind is not CodeKind.KEYPAD:
            raise VendorUnsupportedError("keypad codes")
        auths = await self._keypad_codes(lock)
        auth = next(
            (
                auth
                for auth in auths
                if (str(auth.get("id")) == issued.vendor_id)
                or (issued.vendor_id is None and str(auth["code"]) == issued.code)
            ),
            None,
        )
        if auth is None or auth.get("id") is None:
            raise VendorRejectedError("The keypad code is no longer on the lock.")
        auth_id = str(auth["id"])
        window = (_nuki_date(plan.window.start), _nuki_date(plan.window.end))
        await self._client.request(
            "POST",
            f"/smartlock/{lock.id}/auth/{auth_id}",
            json={
                # The update representation requires the name: the one it has.
                "name": auth.get("name") or AUTH_NAME_PREFIX,
                "allowedFromDate": window[0],
                "allowedUntilDate": window[1],
                "allowedWeekDays": ALL_WEEK_DAYS,
                "allowedFromTime": 0,
                "allowedUntilTime": 0,
            },
            secret=issued.code,
        )

        def moved(auths: list[dict[str, Any]]) -> bool | None:
            return (
                any(
                    str(listed.get("id")) == auth_id
                    and _applied(listed)
                    and _auth_window(listed) == window
                    for listed in auths
                )
                or None
            )

        if await self._watch(lock, moved):
            return replace(
                issued,
                kind=plan.kind,
                window=plan.window,
                vendor_id=auth_id,
                notes=plan.notes,
            )
        raise VendorUnavailableError(
            "Nuki has not confirmed yet that the lock took the keypad code's new "
            "window (the lock may be offline); it is checked again later."
        )

    async def async_find_codes(
        self, lock: Lock, name: str, window: Window, kind: CodeKind
    ) -> list[FoundCode] | None:
        """Keypad codes with lockbooking's name for `name` and exactly this window.

        One the lock has not applied yet raises VendorUnavailableError: it is neither
        issued nor absent, so the record stays as it is until the next look.
        """
        auth_name = authorization_name(name)
        window_dates = (_nuki_date(window.start), _nuki_date(window.end))
        found = [
            auth
            for auth in await self._keypad_codes(lock)
            if auth.get("name") == auth_name
            and auth.get("id") is not None
            and _auth_window(auth) == window_dates
        ]
        if not all(_applied(auth) for auth in found):
            raise VendorUnavailableError(
                "Nuki has not confirmed yet that the lock took the keypad code."
            )
        return [
            FoundCode(vendor_id=str(auth["id"]), code=str(auth["code"]))
            for auth in found
        ]

    async def async_get_code_uses(self, lock: Lock, since: datetime) -> list[CodeUse]:
        """Read the lock's activity log back to `since` for doors opened by a keypad code.

        Nuki sends the log newest first, at most LOG_PAGE_SIZE entries a call, from
        `since` on; an older page is asked for only while a page comes back full and
        still after `since`, and never more than LOG_PAGES of them.
        """
        if not lock.capabilities.reports_code_use:
            raise VendorUnsupportedError("code_uses")
        openings = OPENER_OPENINGS if is_opener(lock) else SMART_LOCK_OPENINGS
        query = {"fromDate": _nuki_date(since), "limit": str(LOG_PAGE_SIZE)}
        uses: list[CodeUse] = []
        for _ in range(LOG_PAGES):
            entries = _list(
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

    async def _keypad_codes(self, lock: Lock) -> list[dict[str, Any]]:
        """List the lock's keypad-code authorizations."""
        auths = _list(await self._client.request("GET", f"/smartlock/{lock.id}/auth"))
        return [
            auth
            for auth in auths
            if auth.get("type") == AUTH_TYPE_KEYPAD_CODE
            and auth.get("code") is not None
        ]


def _applied(auth: Mapping[str, Any]) -> bool:
    """Tell whether the lock has applied an authorization's last change.

    Nuki keeps an `operationId` on it while the change still waits for the lock.
    """
    return not auth.get("operationId")


def _list(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise VendorUnavailableError("Nuki Web sent an unexpected answer.")
    return [item for item in data if isinstance(item, dict)]


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


def _auth_window(auth: Mapping[str, Any]) -> tuple[str, str] | None:
    """Read an authorization's date window in the format lockbooking sends, if it has one."""
    start = dt_util.parse_datetime(str(auth.get("allowedFromDate") or ""))
    end = dt_util.parse_datetime(str(auth.get("allowedUntilDate") or ""))
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        return None
    return _nuki_date(start), _nuki_date(end)


def _nuki_date(moment: datetime) -> str:
    """Format a UTC time stamp the way Nuki's own clients send it."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
