"""A Nuki Web lock's keypad codes: authorizations of type 13, confirmed on the lock.

Nuki creates, changes and deletes them asynchronously: the call answers 204 (the PUT
with no body and no id) before the lock applied it, and the authorization carries an
`operationId` until the lock has. So a code counts as issued only once the lock's list
shows it (by its code, unique on a lock, which also gives the id needed to delete it)
without an `operationId`, and as revoked only once the list no longer shows it; until
then the call ends with an error whose outcome is unknown, and the code is checked
again later. The id is also what the lock's activity log gives as `authId` when the
code opens the door.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final

from homeassistant.util import dt as dt_util

from ...const import LOGGER
from ...models import CodeKind, IssuedCode, Lock, PlannedCode, Window
from ...planner import code_problem, generate_code
from ..base import (
    FoundCode,
    VendorError,
    VendorRejectedError,
    VendorUnavailableError,
    VendorUnsupportedError,
)
from ..nuki_common import AUTH_NAME_PREFIX, CODE_PROBLEMS, authorization_name
from .api import NukiNotFoundError, NukiWebClient, as_list, nuki_date, redact

AUTH_TYPE_KEYPAD_CODE: Final = 13
ALL_WEEK_DAYS: Final = 127
# Waits before each look at the lock's list after a create, change or delete (Nuki
# applies them asynchronously): about ten seconds in all, then the code is pending.
FIND_DELAYS: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0)


class NukiKeypadCodes:
    """Create, delete, move and find keypad codes, each confirmed by the lock's list."""

    def __init__(self, client: NukiWebClient) -> None:
        """Keep the account's Web API client."""
        self._client = client

    async def issue(
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
                    "allowedFromDate": nuki_date(plan.window.start),
                    "allowedUntilDate": nuki_date(plan.window.end),
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

    async def revoke(self, lock: Lock, issued: IssuedCode) -> None:
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

    async def update_window(
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
        window = (nuki_date(plan.window.start), nuki_date(plan.window.end))
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

    async def find(self, lock: Lock, name: str, window: Window) -> list[FoundCode]:
        """Keypad codes with lockbooking's name for `name` and exactly this window.

        One the lock has not applied yet raises VendorUnavailableError: it is neither
        issued nor absent, so the record stays as it is until the next look.
        """
        auth_name = authorization_name(name)
        window_dates = (nuki_date(window.start), nuki_date(window.end))
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

    async def _keypad_codes(self, lock: Lock) -> list[dict[str, Any]]:
        """List the lock's keypad-code authorizations."""
        auths = as_list(await self._client.request("GET", f"/smartlock/{lock.id}/auth"))
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


def _auth_window(auth: Mapping[str, Any]) -> tuple[str, str] | None:
    """Read an authorization's date window in the format lockbooking sends, if it has one."""
    start = dt_util.parse_datetime(str(auth.get("allowedFromDate") or ""))
    end = dt_util.parse_datetime(str(auth.get("allowedUntilDate") or ""))
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        return None
    return nuki_date(start), nuki_date(end)
